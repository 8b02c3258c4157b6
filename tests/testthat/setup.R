# Tests and examples use at most 2 threads.
options(umapc.n_threads = 2L)
