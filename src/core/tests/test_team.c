/* umapc_pace (team.h): the team's size chosen from measured step times. */
#include <string.h>

#include "team.h"
#include "testutil.h"

/* one step: the size umapc_pace_begin() chose, then `seconds` recorded */
static int step(umapc_pace *p, double seconds, int *brief) {
  const int t = umapc_pace_begin(p, brief);
  umapc_pace_record(p, seconds, 1.0);
  return t;
}

static void test_single(void) {
  umapc_pace p;
  int i, brief = -1;
  umapc_pace_init(&p, 1);
  for (i = 0; i < 10; i++) CHECK(step(&p, 1.0, &brief) == 1 && brief == 0);
  umapc_pace_init(&p, 0); /* no threads asked for: one */
  CHECK(step(&p, 1.0, NULL) == 1);
  CHECK(umapc_pace_best(&p) == 1);
}

/* a quiet machine: the team is twice as fast */
static void test_quiet(void) {
  umapc_pace p;
  int i, brief, ones = 0;
  umapc_pace_init(&p, 2);
  CHECK(step(&p, 1.0, &brief) == 2 && brief == 1); /* the team first */
  CHECK(step(&p, 2.0, &brief) == 1 && brief == 1); /* then one thread */
  CHECK(umapc_pace_best(&p) == 2);
  for (i = 0; i < 200; i++) {
    const int t = step(&p, 0.0, &brief); /* instant steps: no gap passes */
    CHECK(t == 2 && brief == 0);
    ones += t == 1;
  }
  CHECK(ones == 0);
  CHECK(p.every == 8); /* the probe confirmed the team: interval doubled */
  /* once the gap has passed, a probe of one thread after `every` steps */
  p.last = -1e9;
  p.since = p.every;
  CHECK(step(&p, 2.0, &brief) == 1 && brief == 1);
  CHECK(p.every == 16);
  CHECK(p.gap >= 20.0 - 1e-9); /* ten times the probe's 2 seconds */
  CHECK(umapc_pace_best(&p) == 2);
}

/* a busy machine: the team's steps take ten times longer */
static void test_busy(void) {
  umapc_pace p;
  int i, brief;
  umapc_pace_init(&p, 2);
  CHECK(step(&p, 10.0, &brief) == 2 && brief == 1);
  CHECK(step(&p, 1.0, &brief) == 1 && brief == 1);
  CHECK(umapc_pace_best(&p) == 1);
  CHECK(p.every == 4); /* the choice changed */
  for (i = 0; i < 50; i++) CHECK(step(&p, 1.0, &brief) == 1 && brief == 0);
  /* the load goes away: the next probe finds the team faster again */
  p.last = -1e9;
  CHECK(step(&p, 0.2, &brief) == 2 && brief == 1);
  CHECK(umapc_pace_best(&p) == 2);
  CHECK(p.every == 4);
  CHECK(step(&p, 0.2, &brief) == 2 && brief == 0);
  /* one thread only when at least 10% faster */
  umapc_pace_init(&p, 2);
  step(&p, 1.0, NULL);
  step(&p, 0.95, NULL);
  CHECK(umapc_pace_best(&p) == 2);
  umapc_pace_init(&p, 2);
  step(&p, 1.0, NULL);
  step(&p, 0.85, NULL);
  CHECK(umapc_pace_best(&p) == 1);
  /* steps without work are not counted */
  umapc_pace_init(&p, 2);
  umapc_pace_begin(&p, NULL);
  umapc_pace_record(&p, 5.0, 0.0);
  CHECK(p.rate[0] < 0.0 && p.rate[1] < 0.0);
}

int main(void) {
  test_single();
  test_quiet();
  test_busy();
  TEST_DONE();
}
