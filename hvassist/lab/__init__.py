"""The lab: a simulated Hyper-V estate served as a real WinRM endpoint on loopback.

``model`` (scenario files → estate), ``wsman`` (the WinRM endpoint), ``host`` (turns a command
into a shipped script + parameters and answers from the model), ``answers`` (what each shipped
script prints on a real host), ``runtime`` (start/stop a lab with its endpoints).
"""
