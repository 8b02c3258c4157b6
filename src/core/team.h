/*
 * A team of threads that works through many short parallel steps inside one
 * OpenMP parallel region: work items claimed one at a time from a shared
 * counter (threads that run take more), and a barrier between steps whose
 * waiting threads spin only briefly, then sleep, so that a thread the
 * operating system has descheduled (the machine is busy with other work)
 * gets a processor back at once instead of waiting behind a spinning
 * partner. Which thread does which item never changes a result: callers
 * give each item its own output.
 */
#ifndef UMAPC_TEAM_H
#define UMAPC_TEAM_H

typedef struct {
  int n;       /* threads in the team */
  int arrived; /* at the barrier, this round */
  int sense;   /* flips each time the barrier opens */
  int next;    /* the next work item of the current step */
} umapc_team;

/* Prepare a team of n threads (before the parallel region). */
void umapc_team_init(umapc_team *t, int n);

/* The next work item of this step for the calling thread (0, 1, ...). */
int umapc_team_claim(umapc_team *t);

/*
 * Wait until every thread of the team has arrived; then the step's work
 * counter starts again from 0. *sense is the calling thread's own flag,
 * 0 before its first call. Memory written before the barrier is visible to
 * every thread after it.
 */
void umapc_team_barrier(umapc_team *t, int *sense);

#endif
