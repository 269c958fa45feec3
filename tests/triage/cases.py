# ruff: noqa: E501
# (pasted texts keep their real line lengths)
"""Realistic pasted texts for the triage engine, beyond the shared dev set.

Each case: id, kind (what a user pastes), lang, text, expected (the cause that must rank first; None
for text with no backup meaning, which must come back unrecognised). ``not_first`` lists causes
that must NOT rank first (e.g. the 2008 meaning of event 10103). Texts follow the layout of real
Event Viewer copies, PowerShell output and backup products' job logs; names are made up.
"""

from __future__ import annotations

from typing import Any

CASES: list[dict[str, Any]] = [
    # ---------------------------------------------------------------- non-English Event Viewer copies
    {
        "id": "de-10103-event-viewer",
        "kind": "event",
        "lang": "de",
        "expected": "no-scsi-controller",
        "text": """Protokollname: Microsoft-Windows-Hyper-V-VMMS-Admin
Quelle:        Microsoft-Windows-Hyper-V-VMMS
Datum:         14.03.2024 22:01:17
Ereignis-ID:   10103
Aufgabenkategorie:Keine
Ebene:         Fehler
Schlüsselwörter:
Benutzer:      SYSTEM
Computer:      HV01.contoso.local
Beschreibung:
Für den virtuellen Computer "SQL01" kann keine Onlinesicherung erstellt werden, da keine SCSI-Controller \
angefügt sind. Fügen Sie dem virtuellen Computer vor dem Ausführen einer Sicherung mindestens einen \
SCSI-Controller hinzu. (ID des virtuellen Computers: 4B2F9C1E-7A2D-4C11-9E0B-55D1A7C3E901)""",
    },
    {
        "id": "fr-12289-stale-sessions",
        "kind": "event",
        "lang": "fr",
        "expected": "stale-writer-sessions",
        "text": """Nom du journal :Application
Source :       VSS
Date :         12/03/2024 02:14:55
ID de l’événement :12289
Catégorie de la tâche :Aucun
Niveau :       Erreur
Mots clés :    Classique
Utilisateur :  N/A
Ordinateur :   HV02.exemple.local
Description :
Erreur du service de cliché instantané de volume : erreur inattendue Une ancienne session d'état \
d'enregistreur est en cours de suppression. . hr = 0x80042409, L'état de l'enregistreur n'est pas \
disponible pour un ou plusieurs enregistreurs.

Opération :
   Événement PrepareForBackup

Contexte :
   Contexte d'exécution : Writer
   ID de classe de l'enregistreur : {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}
   Nom de l'enregistreur : Microsoft Hyper-V VSS Writer""",
    },
    {
        "id": "es-8193-metadata",
        "kind": "event",
        "lang": "es",
        "expected": "writer-metadata-too-large",
        "text": """Nombre de registro:Application
Origen:        VSS
Fecha:         05/02/2024 3:12:40
Id. del evento:8193
Categoría de la tarea:Ninguno
Nivel:         Error
Palabras clave:Clásico
Usuario:       No disponible
Equipo:        HV03
Descripción:
Error del Servicio de instantáneas de volumen: error inesperado al llamar a la rutina Writer Modifying \
Backup Document. hr = 0x80070018, El programa emitió un comando pero la longitud del comando es incorrecta.""",
    },
    {
        "id": "fr-12292-provider-com",
        "kind": "event",
        "lang": "fr",
        "expected": "vss-provider-registration",
        "text": """Nom du journal :Application
Source :       VSS
ID de l’événement :12292
Niveau :       Erreur
Description :
Erreur du service de cliché instantané de volume : erreur lors de la création de la classe COM du \
fournisseur de clichés instantanés avec le CLSID {65ee1dba-8ff4-4a58-ac1c-3470ee2f376a} \
[0x80040154, Classe non enregistrée].""",
    },
    {
        "id": "es-vmicvss-13-scoped",
        "kind": "event",
        "lang": "es",
        "expected": "scoped-snapshots",
        "text": """Nombre de registro:Application
Origen:        vmicvss
Id. del evento:13
Nivel:         Error
Equipo:        APP07
Descripción:
Windows no puede realizar una copia de seguridad en línea del sistema porque las instantáneas de ámbito \
están habilitadas. Para resolverlo y deshabilitar las instantáneas del ámbito, cree el siguiente valor del \
Registro en este equipo: PATH: HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\SystemRestore\\ \
DWORD: ScopeSnapshots Valor: 0""",
    },
    {
        "id": "de-8229-sqlwriter",
        "kind": "event",
        "lang": "de",
        "expected": "guest-writer-failed",
        "text": """Protokollname: Application
Quelle:        VSS
Ereignis-ID:   8229
Ebene:         Warnung
Computer:      SQL01.contoso.local
Beschreibung:
Ein VSS-Verfasser hat ein Ereignis mit Fehler 0x800423f4 abgelehnt. Der Verfasser hat einen \
nicht vorübergehenden Fehler festgestellt.

Vorgang:
   PrepareForSnapshot-Ereignis

Kontext:
   Ausführungskontext: Writer
   Verfasserklassen-ID: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}
   Verfassername: SqlServerWriter""",
    },
    {
        "id": "it-19100-merge-denied",
        "kind": "event",
        "lang": "it",
        "expected": "permissions-av",
        "text": """Nome registro: Microsoft-Windows-Hyper-V-VMMS-Admin
Origine:       Microsoft-Windows-Hyper-V-VMMS
ID evento:     19100
Livello:       Errore
Descrizione:
Impossibile completare l'unione del disco in background di 'FS02': Errore di accesso negato generale \
(0x80070005). (ID macchina virtuale 0D3E6F2A-1B44-4E1F-A1C3-77AB12CD34EF)""",
    },
    # ------------------------------------------------------------------ event 10103 per OS version
    {
        "id": "en-10103-2008-revert",
        "kind": "event",
        "lang": "en",
        "expected": "guest-ic-service-stopped",
        "not_first": ["no-scsi-controller"],
        "text": """Log Name:      Microsoft-Windows-Hyper-V-VMMS-Admin
Source:        Microsoft-Windows-Hyper-V-VMMS
Date:          6/17/2010 1:12:04 AM
Event ID:      10103
Task Category: None
Level:         Error
Computer:      HV2008.contoso.local
Description:
Failed to revert to VSS snapshot on the virtual hard disk 'D:\\VMs\\FS01\\FS01.vhd' of the virtual \
machine 'FS01'. (Virtual machine ID 1B3C5D7E-2A4B-4C6D-8E0F-1A2B3C4D5E6F)""",
    },
    {
        "id": "de-10103-2008r2-id-only",
        "kind": "event",
        "lang": "de",
        "expected": "guest-ic-service-stopped",
        "not_first": ["no-scsi-controller"],
        "text": """Quelle:        Microsoft-Windows-Hyper-V-VMMS
Ereignis-ID:   10103
Ebene:         Fehler
Computer:      HVALT01 (Windows Server 2008 R2 Enterprise SP1)
Beschreibung:
Fehler beim Zurücksetzen auf den VSS-Snapshot auf der virtuellen Festplatte "E:\\VM\\DC02.vhd" des \
virtuellen Computers "DC02".""",
    },
    {
        "id": "en-10103-2012r2-id-only",
        "kind": "event",
        "lang": "en",
        "expected": "no-scsi-controller",
        "text": "Hyper-V-VMMS event 10103 on our Windows Server 2012 R2 host every night for VM APP03",
    },
    # ---------------------------------------------------------------------------- vssadmin outputs
    {
        "id": "vssadmin-host-hv-failed",
        "kind": "vssadmin",
        "lang": "en",
        "expected": "host-hv-writer-failed",
        "text": """vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool
(C) Copyright 2001-2013 Microsoft Corp.

Writer name: 'Task Scheduler Writer'
   Writer Id: {d61d61c8-d73a-4eee-8cdd-f6f9786b7124}
   Writer Instance Id: {1bddd48e-5052-49db-9b07-b96f96727e6b}
   State: [1] Stable
   Last error: No error

Writer name: 'VSS Metadata Store Writer'
   Writer Id: {75dfb225-e2e4-4d39-9ac9-ffaff65ddf06}
   Writer Instance Id: {088e7a7d-09a8-4cc6-a609-ad90e75ddc93}
   State: [1] Stable
   Last error: No error

Writer name: 'Microsoft Hyper-V VSS Writer'
   Writer Id: {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}
   Writer Instance Id: {3e4c7a62-5d1f-4b5b-9a0e-2f4b5c6d7e8f}
   State: [8] Failed
   Last error: Retryable error

Writer name: 'System Writer'
   Writer Id: {e8132975-6f93-4464-a53e-1050253ae220}
   Writer Instance Id: {7848396d-00b1-47cd-8ba9-769b7ce402d2}
   State: [1] Stable
   Last error: No error
""",
    },
    {
        "id": "vssadmin-de-hv-freeze",
        "kind": "vssadmin",
        "lang": "de",
        "expected": "host-hv-writer-failed",
        "text": """vssadmin 1.1 - Verwaltungsbefehlszeilenprogramm des Volumeschattenkopie-Dienstes
(C) Copyright 2001-2013 Microsoft Corp.

Verfassername: 'Microsoft Hyper-V VSS Writer'
   Verfasserkennung: {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}
   Verfasserinstanzkennung: {a1b2c3d4-0000-1111-2222-333344445555}
   Status: [9] Fehler
   Letzter Fehler: Zeitüberschreitung

Verfassername: 'Registry Writer'
   Verfasserkennung: {afbab4a2-367d-4d15-a586-71dbb18f8485}
   Verfasserinstanzkennung: {5c4d2b1a-6789-4abc-8def-0123456789ab}
   Status: [1] Stabil
   Letzter Fehler: Kein Fehler
""",
    },
    {
        "id": "vssadmin-guest-sql",
        "kind": "vssadmin",
        "lang": "en",
        "expected": "guest-writer-failed",
        "text": """Writer name: 'SqlServerWriter'
   Writer Id: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}
   Writer Instance Id: {9d3f1a2b-4c5d-6e7f-8091-a2b3c4d5e6f7}
   State: [8] Failed
   Last error: Non-retryable error

Writer name: 'WMI Writer'
   Writer Id: {a6ad56c2-b509-4e6c-bb19-49d8f43532f0}
   Writer Instance Id: {1f2e3d4c-5b6a-7988-a7b6-c5d4e3f2a1b0}
   State: [1] Stable
   Last error: No error
""",
    },
    {
        "id": "vssadmin-fr-csv-writer",
        "kind": "vssadmin",
        "lang": "fr",
        "expected": "csv-issues",
        "text": """Nom de l'enregistreur : 'Cluster Shared Volume VSS Writer'
   ID de l'enregistreur : {1072ae1c-e5a7-4ea1-9e4a-6f7964656570}
   ID d'instance de l'enregistreur : {3c2b1a09-8f7e-6d5c-4b3a-291807f6e5d4}
   État : [11] Échec
   Dernière erreur : Erreur non renouvelable
""",
    },
    # ---------------------------------------------------------------------- backup products
    {
        "id": "veeam-provider-veto-decimal",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "hw-provider",
        "text": """11/14/2023 10:02:51 PM :: Processing APP01 Error: Failed to create VM recovery checkpoint \
(mode: Veeam application-aware processing with failover to crash consistent). Details: Job failed \
('Checkpoint operation for 'APP01' failed. (Virtual machine ID 5A1C2E3F-4B5D-6E7F-8091-A2B3C4D5E6F7) \
'APP01' could not initiate a checkpoint operation: %%2147754758 (0x80042306). (Virtual machine ID \
5A1C2E3F-4B5D-6E7F-8091-A2B3C4D5E6F7)'). Error code: '32768'.""",
    },
    {
        "id": "veeam-guest-credentials",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "guest-credentials",
        "text": """3/2/2024 11:00:14 PM :: DC01: Failed to connect to guest agent. Errors: 'Cannot connect \
to the host's administrative share. Host: [10.10.1.20]. Account: [CONTOSO\\svc-backup]. Win32 error:The \
user name or password is incorrect. Code: 1326'
3/2/2024 11:00:15 PM :: DC01: Unable to perform application-aware processing because connection to the \
guest could not be established""",
    },
    {
        "id": "veeam-hvissnapshotinprogress",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "guest-credentials",
        "text": "Failed to prepare guest for volume snapshot. RPC function call failed. Function name: "
        "[HvIsSnapshotInProgress]. Target machine: [192.168.5.12]. RPC error:Access is denied. "
        "Code: 5 (0x80070005)",
    },
    {
        "id": "veeam-vsscontrol-in-progress",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "overlapping-vss-jobs",
        "text": "Failed to prepare guest for hot backup. Error: VSSControl: -2147212522 Backup job failed. "
        "Another shadow copy creation is already in progress. Wait a few moments and try again.",
    },
    {
        "id": "dpm-provider-veto",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "hw-provider",
        "text": """Affected area: Backup Using Child Partition Snapshot\\FS03
Occurred since: 2/18/2024 1:03:11 AM
Description: The replica of Backup Using Child Partition Snapshot\\FS03 on hv04.contoso.local is \
inconsistent with the protected data source. (ID 3106)
DPM encountered an error while performing an operation for \\\\?\\Volume{0f6c2a1e-...}\\ on \
hv04.contoso.local (ID 30112 Details: VssError:The shadow copy provider had an error. Check the System and \
Application event logs for more information. (0x80042306))
Recommended action: Retry the operation.""",
    },
    {
        "id": "backup-exec-writer-status",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "host-hv-writer-failed",
        "text": """Job ended: Sunday, March 10, 2024 at 1:14:27 AM
Completed status: Failed
Final error: 0xe000fed1 - A failure occurred querying the Writer status. See the job log for details \
about the error.
V-79-57344-65233 - Snapshot Technology: Initialization failure on: "VRTSRV::\\\\HV05\\Hyper-V?Virtual?Machine\
\\APP09". Snapshot technology used: Microsoft Volume Shadow Copy Service (VSS).
Writer Name: Microsoft Hyper-V VSS Writer, Writer ID: {66841CD4-6DED-4F4B-8F17-FD23F8DDC3DE}, Last error: \
The VSS Writer operation failed because of an error that might recur if another shadow copy is created. \
For more information, see the event log. (0x800423F4), State: Failed during prepare snapshot operation (8).""",
    },
    {
        "id": "wsb-component-skipped",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "guest-writer-failed",
        "text": "The component WEB02(Online) was skipped during the snapshot and will not be available for "
        "recovery. Error: The writer experienced a non-transient error. If the backup process is "
        "retried, the error is likely to reoccur.",
    },
    {
        "id": "altaro-file-exists",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "autorecovery-avhdx-left",
        "text": "Backup of 'EXCH01' failed. Hyper-V reported: 'EXCH01' could not initiate a checkpoint operation: "
        "The file exists. (0x80070050). (Virtual machine ID 7C1D...)",
    },
    {
        "id": "netbackup-leftover",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "lingering-recovery-checkpoint",
        "text": "Status 156: snapshot error encountered. The VM still has a checkpoint from the previous job; run "
        "nbhypervtool.exe deleteNbuCheckpoints -vmguid 2F0C... on the Hyper-V host and retry.",
    },
    {
        "id": "asr-snapshot-set-writer",
        "kind": "event",
        "lang": "en",
        "expected": "guest-writer-failed",
        "text": "Hyper-V failed to generate VSS snapshot set for virtual machine 'ERP01': The writer experienced "
        "a non-transient error. If the backup process is retried, the error is likely to reoccur. "
        "(0x800423F4). (Virtual machine ID 9E1B...)",
    },
    # ------------------------------------------------------------------------ bare codes
    {
        "id": "bare-negative-decimal",
        "kind": "code",
        "lang": "-",
        "expected": "guest-writer-failed",
        "text": "-2147212300",
    },
    {
        "id": "bare-flush-timeout",
        "kind": "code",
        "lang": "-",
        "expected": "io-flush-timeout",
        "text": "0x80042313",
    },
    {
        "id": "bare-wmi-32770",
        "kind": "code",
        "lang": "-",
        "expected": "vhds-guest-cluster",
        "text": "Error code: '32770'",
    },
    {
        "id": "bare-hresult-unprefixed",
        "kind": "code",
        "lang": "-",
        "expected": "autorecovery-avhdx-left",
        "text": "error 800423FB",
    },
    {
        "id": "symbolic-name",
        "kind": "code",
        "lang": "-",
        "expected": "stale-writer-sessions",
        "text": "VSS_E_WRITER_STATUS_NOT_AVAILABLE",
    },
    # ------------------------------------------------------------ PowerShell and XML formats
    {
        "id": "format-list-12293",
        "kind": "powershell",
        "lang": "en",
        "expected": "hw-provider",
        "text": """TimeCreated  : 3/4/2024 1:00:02 AM
ProviderName : VSS
Id           : 12293
Message      : Volume Shadow Copy Service error: Error calling a routine on a Shadow Copy Provider
               {74600e39-7dc5-4567-a03b-f091d6c7b092}. Routine details EndPrepareSnapshots({a1b2...})
               [hr = 0x80042306, The shadow copy provider had an error. Check the System and Application
               event logs for more information.].""",
    },
    {
        "id": "format-list-icsvc-22",
        "kind": "powershell",
        "lang": "en",
        "expected": "unsupported-guest-os",
        "text": """TimeCreated  : 2/1/2024 9:15:44 PM
ProviderName : Microsoft-Windows-Hyper-V-IcSvc
Id           : 22
Message      : Hot backup is not supported on this version of the guest operating system, status 0x80070032.""",
    },
    {
        "id": "xml-8194",
        "kind": "xml",
        "lang": "en",
        "expected": "vss-com-security",
        "text": """<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System><Provider Name='VSS'/>\
<EventID Qualifiers='0'>8194</EventID><Level>2</Level><Task>0</Task><Keywords>0x80000000000000</Keywords>\
<TimeCreated SystemTime='2024-03-01T23:00:05.000000000Z'/><EventRecordID>51234</EventRecordID><Channel>\
Application</Channel><Computer>HV06.contoso.local</Computer><Security/></System><EventData><Data>0x80070005, \
Access is denied.
</Data><Data>
Operation:
   Gathering Writer Data

Context:
   Writer Class Id: {e8132975-6f93-4464-a53e-1050253ae220}
   Writer Name: System Writer
   Writer Instance ID: {7848396d-00b1-47cd-8ba9-769b7ce402d2}</Data><Binary>2D20436F64653A...</Binary>\
</EventData></Event>""",
    },
    {
        "id": "xml-19100-vhds",
        "kind": "xml",
        "lang": "en",
        "expected": "vhds-guest-cluster",
        "text": """<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>\
<Provider Name="Microsoft-Windows-Hyper-V-VMMS" Guid="{6066F867-7CA1-4418-85FD-36E3F9C0600C}"/>\
<EventID>19100</EventID><Level>2</Level><Channel>Microsoft-Windows-Hyper-V-VMMS-Admin</Channel></System>\
<UserData><VmlEventLog xmlns="http://www.microsoft.com/Windows/Virtualization/Events"><VmName>GCNODE1</VmName>\
<ErrorMessage>%%2147942405</ErrorMessage><ErrorCode>0x80070005</ErrorCode></VmlEventLog></UserData></Event>
Error code: '32775'. More than one VM claimed to be the owner of shared VHDX in VM group 'Hyper-V Collection'""",
    },
    # ----------------------------------------------------------------------- other causes, English
    {
        "id": "event-7023-swprv",
        "kind": "event",
        "lang": "en",
        "expected": "vss-provider-registration",
        "text": """Log Name:      System
Source:        Service Control Manager
Event ID:      7023
Level:         Error
Description:
The Microsoft Software Shadow Copy Provider service terminated with the following error:
The system cannot find the file specified.""",
    },
    {
        "id": "logon-type-0x80070569",
        "kind": "event",
        "lang": "en",
        "expected": "logon-as-service-right",
        "text": "Could not create backup checkpoint for virtual machine 'SRV01': Logon failure: the user has not "
        "been granted the requested logon type at this computer. (0x80070569). (Virtual machine ID 3F...)",
    },
    {
        "id": "export-target-full",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "backup-target-full",
        "text": "Export-VM : Failed to copy file during export: 'F:\\Backups\\VM12\\Virtual Hard Disks\\VM12.vhdx'. "
        "There is not enough space on the disk. (0x80070070) The backup destination \\\\nas01\\hvbackup "
        "is full.",
    },
    {
        "id": "volumes-reverted-mismatch",
        "kind": "event",
        "lang": "en",
        "expected": "disk-signature-collision",
        "text": "The number of volumes reverted does not match the number of volumes in the snapshot set for "
        "virtual machine 'DB02'. (0x800423F4)",
    },
    {
        "id": "linux-vss-daemon",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "linux-no-vss-daemon",
        "text": "Processing web-lnx01 Warning: Failed to create production checkpoint, falling back to crash "
        "consistent. Ubuntu guest: hv_vss_daemon is not running (systemctl status hv-vss-daemon: inactive)",
    },
    {
        "id": "csv-paused",
        "kind": "event",
        "lang": "en",
        "expected": "csv-issues",
        "text": "During the nightly backup: Cluster Shared Volume 'Volume2' ('Cluster Disk 3') has entered a "
        "paused state because of 'STATUS_IO_TIMEOUT(c00000b5)'. All I/O will temporarily be queued until "
        "a path to the volume is reestablished.",
    },
    {
        "id": "kb2996928-registry-writer",
        "kind": "admin",
        "lang": "en",
        "expected": "os-vss-update-bug",
        "text": "Since the November rollup every backup fails: Registry Writer FAILED_AT_FREEZE 0x800423f2 "
        "VSS_E_WRITERERROR_TIMEOUT, looks like the SAM registry deadlock; Microsoft says install KB2996928.",
    },
    {
        "id": "mixed-veeam-and-10103",
        "kind": "mix",
        "lang": "en",
        "expected": "no-scsi-controller",
        "text": """Processing LEGACY01 Error: Failed to create VM recovery checkpoint (mode: Veeam application-aware \
processing). Details: Job failed ('Checkpoint operation for 'LEGACY01' failed.').
Hyper-V-VMMS Admin log at the same time:
Event ID: 10103  The virtual machine 'LEGACY01' cannot be hot backed up since it has no SCSI controllers \
attached. Please add one or more SCSI controllers to the virtual machine before performing a backup.""",
    },
    {
        "id": "ic-no-contact",
        "kind": "powershell",
        "lang": "en",
        "expected": "guest-ic-service-stopped",
        "text": """PS C:\\> Get-VMIntegrationService -VMName FS05

VMName Name                    Enabled PrimaryStatusDescription SecondaryStatusDescription
------ ----                    ------- ------------------------ --------------------------
FS05   Guest Service Interface False   OK
FS05   Heartbeat               True    OK                       OK
FS05   Key-Value Pair Exchange True    OK
FS05   Shutdown                True    OK
FS05   Time Synchronization    True    OK
FS05   VSS                     True    No Contact""",
    },
    {
        "id": "en-8229-hyperv-writer",
        "kind": "event",
        "lang": "en",
        "expected": "host-hv-writer-failed",
        "text": "Log Name: Application\nSource: VSS\nEvent ID: 8229\nLevel: Warning\nDescription:\nA VSS writer has rejected an event with error 0x800423f4, The writer experienced a non-transient error.  If the backup process is retried,\nthe error is likely to reoccur.\n. Changes that the writer made to the writer components while handling the event will not be available to the requester. Check the event log for related events from the application hosting the VSS writer.\n\nOperation:\n   PrepareForSnapshot Event\n\nContext:\n   Execution Context: Writer\n   Writer Class Id: {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}\n   Writer Name: Microsoft Hyper-V VSS Writer\n   Writer Instance ID: {2d6f3c5a-1b2c-4d5e-8f90-123456789abc}\n   Command Line: C:\\Windows\\system32\\vmms.exe\n   Process ID: 2344",
    },
    {
        "id": "veeam-critical-writer-sql",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "guest-writer-failed",
        "text": "Failed to prepare guest for hot backup. Error: VSSControl: -2147212300 Backup job failed. Cannot create a shadow copy of the volumes containing writer's data. A VSS critical writer has failed. Writer name: [SqlServerWriter]. Class ID: [{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}]. Instance ID: [{1c2d...}]. Writer's state: [VSS_WS_FAILED_AT_PREPARE_SNAPSHOT]. Error code: [0x800423f4].",
    },
    {
        "id": "kb-getwriterstatus-freeze",
        "kind": "vendor-job",
        "lang": "en",
        "expected": "host-hv-writer-failed",
        "text": "GetWriterStatus FAILED for Selected writer [Microsoft Hyper-V VSS Writer], writer is in state [9] [VSS_WS_FAILED_AT_FREEZE]",
    },
    {
        "id": "capi2-513-system-writer",
        "kind": "event",
        "lang": "en",
        "expected": "guest-writer-failed",
        "text": "Event 513 CAPI2: Cryptographic Services failed while processing the OnIdentity() call in the System Writer Object. Details: AddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol. System Error: Access is denied.",
    },
    {
        "id": "user-mapped-section",
        "kind": "event",
        "lang": "en",
        "expected": "permissions-av",
        "text": "'VM07' could not initiate a checkpoint operation: The requested operation cannot be performed on a file with a user-mapped section open. (0x800704C8)",
    },
    {
        "id": "8193-class-not-registered",
        "kind": "event",
        "lang": "en",
        "expected": "vss-provider-registration",
        "text": "Event ID 8193 VSS: Volume Shadow Copy Service error: Unexpected error calling routine CoCreateInstance.  hr = 0x80040154, Class not registered.",
    },
    {
        "id": "12289-deviceiocontrol",
        "kind": "event",
        "lang": "en",
        "expected": "non-ntfs-volume",
        "text": "Event 12289 VSS: Volume Shadow Copy Service error: Unexpected error DeviceIoControl(\\\\?\\Volume{5c1a...} - 0000000000000450,0x0053c008,0000000000000000,0,00000000002F1120,4096,[0]).  hr = 0x80070001, Incorrect function.",
    },
    # ------------------------------------------------------------------ texts with no backup meaning
    {
        "id": "none-recipe",
        "kind": "unrelated",
        "lang": "en",
        "expected": None,
        "text": "Preheat the oven to 180 C. Mix 250 g flour, 3 eggs and 100 ml milk; bake for 35 minutes.",
    },
    {
        "id": "none-printer",
        "kind": "unrelated",
        "lang": "en",
        "expected": None,
        "text": "Printer 'HP LaserJet 4th floor' could not be installed. Operation could not be completed "
        "(error 0x80070005). Access is denied. Contact your administrator.",
    },
    {
        "id": "none-kernel-power",
        "kind": "unrelated",
        "lang": "en",
        "expected": None,
        "text": """Log Name:      System
Source:        Microsoft-Windows-Kernel-Power
Date:          3/5/2024 7:41:02 AM
Event ID:      41
Task Category: (63)
Level:         Critical
Description:
The system has rebooted without cleanly shutting down first. This error could be caused if the system \
stopped responding, crashed, or lost power unexpectedly.""",
    },
    {
        "id": "none-windows-update",
        "kind": "unrelated",
        "lang": "en",
        "expected": None,
        "text": "Installation Failure: Windows failed to install the following update with error 0x80070070: "
        "2024-02 Cumulative Update for Windows 11 Version 23H2 (KB5034765). There is not enough space on "
        "the disk.",
    },
    {
        "id": "none-sql-login",
        "kind": "unrelated",
        "lang": "en",
        "expected": None,
        "text": "Login failed for user 'sa'. Reason: Password did not match that for the login provided. "
        "[CLIENT: 10.0.0.5] Error: 18456, Severity: 14, State: 8.",
    },
    {
        "id": "none-outlook",
        "kind": "unrelated",
        "lang": "en",
        "expected": None,
        "text": "Task 'user@contoso.com - Sending' reported error (0x80042109): 'Outlook cannot connect to your "
        "outgoing (SMTP) e-mail server. If you continue to receive this message, contact your server "
        "administrator or Internet service provider (ISP).'",
    },
    {
        "id": "none-german-dns",
        "kind": "unrelated",
        "lang": "de",
        "expected": None,
        "text": """Protokollname: System
Quelle:        Microsoft-Windows-DNS-Client
Ereignis-ID:   1014
Ebene:         Warnung
Beschreibung:
Timeout bei der Namensauflösung für den Namen wpad, nachdem keiner der konfigurierten DNS-Server geantwortet \
hat.""",
    },
]
