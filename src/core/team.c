/* Work sharing and a sleeping barrier for umapc_team (see team.h). */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200112L /* nanosleep */
#endif

#include "fp.h"

#include "team.h"

#ifdef _OPENMP
#include <omp.h>
#endif

#if defined(_WIN32)
#include <windows.h>
#else
#include <time.h>
#endif

/* A waiting thread spins this many rounds (tens of microseconds: longer
 * than a balanced step's wait on a quiet machine), then sleeps. */
#define UMAPC_TEAM_SPIN 4000

static void relax(void) {
#if (defined(__GNUC__) || defined(__clang__)) && \
    (defined(__x86_64__) || defined(__i386__))
  __builtin_ia32_pause();
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

/* Give the processor away for a moment: a descheduled team mate, or
 * another program, can run. */
static void rest(void) {
#if defined(_WIN32)
  Sleep(0);
#else
  struct timespec ts;
  ts.tv_sec = 0;
  ts.tv_nsec = 20000; /* 20 microseconds (the kernel may round it up) */
  nanosleep(&ts, NULL);
#endif
}

void umapc_team_init(umapc_team *t, int n) {
  t->n = n;
  t->arrived = 0;
  t->sense = 0;
  t->next = 0;
}

int umapc_team_claim(umapc_team *t) {
  int k;
#ifdef _OPENMP
#pragma omp atomic capture
#endif
  k = t->next++;
  return k;
}

void umapc_team_barrier(umapc_team *t, int *sense) {
  int arrived, spins = 0;
  if (t->n <= 1) {
    t->next = 0;
    return;
  }
  *sense = !*sense;
#ifdef _OPENMP
#pragma omp flush
#pragma omp atomic capture
#endif
  arrived = ++t->arrived;
  if (arrived == t->n) { /* the last one in resets the step, then opens */
#ifdef _OPENMP
#pragma omp atomic write
#endif
    t->arrived = 0;
#ifdef _OPENMP
#pragma omp atomic write
#endif
    t->next = 0;
#ifdef _OPENMP
#pragma omp flush
#pragma omp atomic write
#endif
    t->sense = *sense;
  } else {
    for (;;) {
      int open;
#ifdef _OPENMP
#pragma omp atomic read
#endif
      open = t->sense;
      if (open == *sense) break;
      if (spins < UMAPC_TEAM_SPIN) {
        spins++;
        relax();
      } else {
        rest();
      }
    }
  }
#ifdef _OPENMP
#pragma omp flush
#endif
}

/* ---------------------------------------------------------------------- */
/* Choosing the team's size (umapc_pace)                                    */
/* ---------------------------------------------------------------------- */

#define PACE_EVERY_MIN 4
#define PACE_EVERY_MAX 128
#define PACE_GAP 0.05 /* seconds between probes, at least */

static double pace_clock(void) {
#ifdef _OPENMP
  return omp_get_wtime();
#else
  return 0.0;
#endif
}

void umapc_pace_init(umapc_pace *p, int team) {
  p->team = team > 1 ? team : 1;
  p->rate[0] = p->rate[1] = -1.0;
  p->since = 0;
  p->every = PACE_EVERY_MIN;
  p->cur = p->team;
  p->probing = 0;
  p->t0 = 0.0;
  p->last = pace_clock();
  p->gap = PACE_GAP;
}

/* the team until both sizes are measured */
int umapc_pace_best(const umapc_pace *p) {
  return p->rate[0] >= 0.0 && p->rate[1] >= 0.0 &&
                 p->rate[0] < 0.9 * p->rate[1]
             ? 1
             : p->team;
}

int umapc_pace_begin(umapc_pace *p, int *brief) {
  int measure = 0;
  const double now = pace_clock();
  p->probing = 0;
  if (p->team <= 1) {
    p->cur = 1;
  } else if (p->rate[1] < 0.0) { /* the team first */
    p->cur = p->team;
    measure = 1;
  } else if (p->rate[0] < 0.0 ||
             (p->since >= p->every && now - p->last >= p->gap)) {
    p->cur = umapc_pace_best(p) == 1 ? p->team : 1;
    p->probing = 1;
    p->since = 0;
    measure = 1;
  } else {
    p->cur = umapc_pace_best(p);
    p->since++;
  }
  if (brief != NULL) *brief = measure;
  p->t0 = now;
  return p->cur;
}

void umapc_pace_end(umapc_pace *p, double work) {
  umapc_pace_record(p, pace_clock() - p->t0, work);
}

void umapc_pace_record(umapc_pace *p, double seconds, double work) {
  int before, after, slot;
  double r;
  if (p->team <= 1 || !(work > 0.0)) return;
  before = umapc_pace_best(p);
  r = seconds / work;
  slot = p->cur > 1;
  if (!p->probing && p->rate[slot] >= 0.0) {
    p->rate[slot] = 0.5 * (p->rate[slot] + r); /* damp step-to-step noise */
    return;
  }
  p->rate[slot] = r; /* a probe's: the size's last value is old news */
  if (!p->probing) return;
  /* a probe on the slower size costs up to its whole length: keep them to
   * a tenth of the time at most */
  p->last = p->t0 + seconds;
  p->gap = 10.0 * seconds > PACE_GAP ? 10.0 * seconds : PACE_GAP;
  after = umapc_pace_best(p);
  if (after == before) {
    if (p->every < PACE_EVERY_MAX) p->every *= 2;
  } else {
    p->every = PACE_EVERY_MIN;
  }
}
