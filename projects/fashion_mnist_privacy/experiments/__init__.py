"""The Fashion-MNIST studies that run the attacks of :mod:`mmppml.privacy` and score them: the attack suite
(:mod:`.attack_suite`, its stages :mod:`.classic`, :mod:`.in_domain`, :mod:`.photos` and its :mod:`.report`)
and the privacy-utility frontier over the demo configs (:mod:`.frontier`, :mod:`.frontier_report`); the data
(:mod:`.fashion_mnist`) and the demo's training runs (:mod:`.fashion_runs`). Imported by module, on use."""
