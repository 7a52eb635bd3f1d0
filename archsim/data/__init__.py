"""Package data: the small text bundled for character-level LSTM workloads (tiny_tales.txt).

The text was written for archsim and is dedicated to the public domain; it is plain lower- and
upper-case English prose with punctuation, about eight thousand characters long.
"""
