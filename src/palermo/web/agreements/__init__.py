"""Written data-sharing agreements between agencies: no case leaves its agency without one."""
