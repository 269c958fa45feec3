; Inno Setup 6 script: per-user installer for hvassist (no administrator rights needed).
; Built by installer/build.py on Windows after PyInstaller, which passes the version from pyproject.toml:
;   iscc /DAppVersion=0.1.0 installer\hvassist.iss
; Input: installer\dist\hvassist\ (the one-folder bundle, WITHOUT the portable marker file).
; Output: installer\dist\hvassist-<version>-setup.exe

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=x.y.z hvassist.iss (installer/build.py does this)
#endif

#ifndef AppNumericVersion
  #define AppNumericVersion AppVersion
#endif

#define AppName "hvassist"
#define AppExe "hvassist-gui.exe"

[Setup]
; AppId identifies the installation for upgrades and the uninstaller: never change it.
AppId={{6F0C2B1E-5A7D-4C1B-9E38-2D4F8A9B7C61}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=hvassist developers
AppComments=Troubleshooting assistant for Hyper-V host-level backups and cluster migrations
VersionInfoVersion={#AppNumericVersion}
; Per user: no UAC prompt, installs into %LOCALAPPDATA%\Programs\hvassist
PrivilegesRequired=lowest
DefaultDirName={userpf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
DisableDirPage=auto
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
SetupIconFile=..\resources\icons\hvassist.ico
UninstallDisplayIcon={app}\{#AppExe}
UninstallDisplayName={#AppName} {#AppVersion}
OutputDir=dist
OutputBaseFilename=hvassist-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; close a running hvassist before replacing its files
CloseApplications=yes

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; an upgrade replaces the whole bundle: no library from an older version is left behind
Type: filesandordirs; Name: "{app}\_internal"

[Files]
; the portable marker (and a portable data folder) belong only in the portable zip: an installed copy keeps
; its data in the user profile
Source: "dist\hvassist\*"; DestDir: "{app}"; Excludes: "\hvassist-portable,\data"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{userprograms}\{#AppName}"; Filename: "{app}\{#AppExe}"; Comment: "Troubleshoot Hyper-V backups"
Name: "{userprograms}\{#AppName} (demo lab)"; Filename: "{app}\{#AppExe}"; Parameters: "--demo"; Comment: "Try hvassist against a simulated Hyper-V estate"
Name: "{userdesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent

; Settings, saved connections, logs and the audit log live in the user profile (%LOCALAPPDATA%\hvassist\hvassist)
; and survive an uninstall on purpose: the audit log records what was changed on customers' hosts.
; Passwords are in Windows Credential Manager (entries named "hvassist").
