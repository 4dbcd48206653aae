# ---- regressions for hostile peers and races (n-1 indices, MPMC close and
# -EBUSY, ring_count under motion, close racing pushes across processes) ----
shmring_criterion_test(test_hostile 300 test_hostile.c)
