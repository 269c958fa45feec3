"""What a person does inside a lab VM's guest, for the steps a guided fix leaves to the user.

hvassist never runs these itself: they stand for the admin at the VM's console (tests, demos and
trainees use them to finish a fix the way a real guest would react).
"""

from __future__ import annotations

from hvassist.lab.model import HOST_IC_VERSION, Estate


class GuestActionError(Exception):
    """What the guest would show the person: the action cannot be done like that."""


def run_integration_services_setup(estate: Estate, vm_name: str) -> str:
    """Run setup from the integration services disk inside the guest, then restart the guest as setup asks.

    Needs the host's vmguest.iso in the VM's DVD drive and a running Windows guest. Returns the new
    integration services version."""
    with estate.lock:
        host, vm = estate.find_vm(vm_name)
        if vm.state != "Running":
            raise GuestActionError("%s is %s: start it and log on to run the setup." % (vm.name, vm.state))
        if "Windows" not in (vm.guest.os_name or ""):
            raise GuestActionError("%s does not run Windows; the integration services disk is for Windows "
                                   "guests." % vm.name)
        if not vm.dvd_path.lower().endswith("\\vmguest.iso"):
            raise GuestActionError("There is no integration services disk in the DVD drive of %s (setup.exe is "
                                   "not on the disk in drive D:)." % vm.name)
        version = HOST_IC_VERSION.get(host.os, "")
        vm.guest.ic_version = version
        vm.ic_version = version
        vm.ic_state = ""  # derived again: Up to date
        # setup restarts the guest; the VM is running again afterwards
        return version
