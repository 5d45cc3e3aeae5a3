"""What an attacker runs against the encryptions: jigsaw solvers, key recovery, learned block attackers
and MI inverters, and the hand-made MI baselines (NumPy/SciPy at import; the learned ones need torch)."""
