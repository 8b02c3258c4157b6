/* Work sharing and a sleeping barrier for umapc_team (see team.h). */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200112L /* nanosleep */
#endif

#include "fp.h"

#include "team.h"

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
