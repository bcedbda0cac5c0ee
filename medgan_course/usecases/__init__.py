"""The medical use cases' shared machinery: one downstream classifier protocol and one results format.

Every use-case experiment (notebooks 07-10, `bench/usecases/`) trains the same classifier with the
same tuning budget (`classify`), and writes one result file per arm and seed that `results`
summarises with t-intervals, paired differences against the baseline and a bootstrap over test
cases. Import the submodule you need; `classify` imports TensorFlow, `results` does not.
"""
