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

/*
 * The size of a team chosen by measurement, for work done in many similar
 * steps (epochs of the layout, blocks of NN-descent, Lanczos steps). When
 * other programs keep the processors busy, a team loses time at every
 * barrier waiting for a descheduled member, and one thread can be faster;
 * results never depend on the team's size, so each step may take either.
 * The team and one thread are each timed per unit of work; most steps run
 * on the faster (one thread only when at least 10% faster: the two are
 * measured on different steps), and now and then one step, a probe, runs on
 * the other. The interval between probes doubles, from 4 steps up to 128,
 * each time a probe confirms the choice, and falls back to 4 when it
 * changes it: on a quiet machine probes become rare (with a cap of 32,
 * NN-descent at 1,000,000 rows ran 39 of its 1,470 blocks as probes on one
 * thread, each about twice as long as on the team: 3% of its time). Probes are also at
 * least ten times their own length apart (a probe on the slower size costs
 * up to its whole length; on a busy machine a team's step can take a whole
 * scheduler time slice), and at least 50 ms: after a parallel region the
 * OpenMP runtime's idle threads spin for some milliseconds (about 9 with
 * GCC's libgomp) before they sleep, and on a busy machine that spinning
 * takes processor time from the one thread chosen; probes on short steps,
 * every few milliseconds, would keep them spinning all the time.
 */
typedef struct {
  int team;       /* the most threads (1: no choice to make) */
  double rate[2]; /* seconds per unit of work, one thread [0] and the team
                     [1]; < 0 until measured */
  int since;      /* steps since the last probe */
  int every;      /* steps between probes */
  int cur;        /* threads of the step under way */
  int probing;    /* the step under way is a probe */
  double t0;      /* its start */
  double last;    /* when the last probe ended */
  double gap;     /* the least time from there to the next */
} umapc_pace;

void umapc_pace_init(umapc_pace *p, int team);

/* Threads for the next step, and its clock started. *brief (may be NULL)
 * is set when the step is a measurement (a probe, or the team's first
 * step): callers whose steps can be of any length make it short. */
int umapc_pace_begin(umapc_pace *p, int *brief);

/* The step under way ended after `work` units (<= 0: do not count it). */
void umapc_pace_end(umapc_pace *p, double work);

/* umapc_pace_end() with the step's length given (the clock's reading minus
 * the step's start; the core tests give made-up lengths). */
void umapc_pace_record(umapc_pace *p, double seconds, double work);

/* The size that measured faster so far, for work done between steps. */
int umapc_pace_best(const umapc_pace *p);

#endif
