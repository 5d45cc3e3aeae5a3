"""The experiments that run the attacks and score them: the attack suite (:mod:`.attack_suite`, its stages
:mod:`.classic`, :mod:`.in_domain`, :mod:`.photos` and its :mod:`.report`) and the privacy-utility frontier
(:mod:`.frontier`, :mod:`.frontier_attacks`, :mod:`.frontier_report`). Imported by module, on use."""
