/*
 * The two-dimensional vertex update of the layout with its negative samples
 * evaluated eight at a time (GCC/clang vector extensions). This header is
 * included by layout.c twice: once as it is and, on x86-64, once more with
 * UMAPC_L2D_ATTR set to an AVX2/FMA target, the version chosen at run time.
 * Define UMAPC_L2D_NAME and UMAPC_L2D_ATTR before including it.
 *
 * Semantics are those of vertex_epoch() in layout.c for dim = 2: for each
 * due edge, the attraction and that edge's negative samples are evaluated
 * at the same position of the vertex, each term clipped to [-4, 4], then
 * applied together.
 */

/* lanes of a where m is set, else of b */
#ifndef UMAPC_L2D_SEL
#define UMAPC_L2D_SEL(m, a, b) ((v8f)((((v8i)(a)) & (m)) | (((v8i)(b)) & ~(m))))
#endif

/* fast_powf() of layout.c on eight lanes (same polynomials); lanes outside
 * its range are flagged in *bad for a scalar fix-up. */
UMAPC_L2D_ATTR static inline void UMAPC_L2D_NAME(_pow)(const v8f *xp, float b,
                                                      v8f *out, v8i *bad) {
  const v8f x = *xp;
  const v8i xi = (v8i)x;
  v8i e = ((xi >> 23) & 0xff) - 127;
  v8f m = (v8f)((xi & 0x007fffff) | 0x3f800000);
  const v8i big = m > 1.41421356f;
  v8f lg, p, t, f, r;
  v8i i;
  m = UMAPC_L2D_SEL(big, m * 0.5f, m);
  e = e - big;
  m = m - 1.0f;
  lg = __builtin_convertvector(e, v8f) +
       m * (1.4427017998f +
            m * (-0.72120846756f +
                 m * (0.47979388416f +
                      m * (-0.36641325939f +
                           m * (0.31840711837f + m * -0.20685812421f)))));
  p = b * lg;
  t = p + 12582912.0f;
  i = (v8i)t - 0x4B400000;
  f = p - (t - 12582912.0f);
  r = 1.0000000755f +
      f * (0.69314720671f +
           f * (0.24022107356f +
                f * (0.055503272142f +
                     f * (0.0096760370979f + f * 0.0013400432165f))));
  *bad = (x <= 1e-30f) | (x >= 1e30f) | (p < -126.0f) | (p > 126.0f);
  *out = (v8f)((v8i)r + (i << 23));
}

/* Sum of repulsion terms over the first `cnt` lanes (fixed order). */
UMAPC_L2D_ATTR static inline void UMAPC_L2D_NAME(_repel)(
    const float *ex, const float *ey, int cnt, float a, float b,
    float rep_num, float *g0, float *g1) {
  static const int lane[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  v8f e0, e1, e2, pw, coef, gx, gy;
  v8i bad, valid, zero;
  float sx[8], sy[8];
  int l;
  memcpy(&e0, ex, sizeof(e0));
  memcpy(&e1, ey, sizeof(e1));
  {
    v8i ln;
    memcpy(&ln, lane, sizeof(ln));
    valid = ln < cnt;
  }
  e2 = e0 * e0 + e1 * e1;
  UMAPC_L2D_NAME(_pow)(&e2, b, &pw, &bad);
  bad &= valid;
  {
    /* rare: any lane outside the fast power's range is redone with powf */
    uint64_t w[4];
    memcpy(w, &bad, sizeof(w));
    if ((w[0] | w[1] | w[2] | w[3]) != 0)
      for (l = 0; l < 8; l++)
        if (bad[l] && e2[l] > 0.0f) pw[l] = powf(e2[l], b);
  }
  coef = rep_num / ((0.001f + e2) * (a * pw + 1.0f));
  gx = coef * e0;
  gy = coef * e1;
  gx = UMAPC_L2D_SEL(gx < 4.0f, gx, (v8f){0} + 4.0f);
  gx = UMAPC_L2D_SEL(gx > -4.0f, gx, (v8f){0} - 4.0f);
  gy = UMAPC_L2D_SEL(gy < 4.0f, gy, (v8f){0} + 4.0f);
  gy = UMAPC_L2D_SEL(gy > -4.0f, gy, (v8f){0} - 4.0f);
  zero = e2 <= 0.0f;
  gx = UMAPC_L2D_SEL(zero, (v8f){0} + 4.0f, gx);
  gy = UMAPC_L2D_SEL(zero, (v8f){0} + 4.0f, gy);
  gx = UMAPC_L2D_SEL(valid, gx, (v8f){0});
  gy = UMAPC_L2D_SEL(valid, gy, (v8f){0});
  memcpy(sx, &gx, sizeof(sx));
  memcpy(sy, &gy, sizeof(sy));
  *g0 += ((sx[0] + sx[4]) + (sx[2] + sx[6])) + ((sx[1] + sx[5]) + (sx[3] + sx[7]));
  *g1 += ((sy[0] + sy[4]) + (sy[2] + sy[6])) + ((sy[1] + sy[5]) + (sy[3] + sy[7]));
}

UMAPC_L2D_ATTR static void UMAPC_L2D_NAME()(
    int i, int self_index, const float *y_in, float *y, const float *others,
    int n_others, schedule *s, int epoch, float alpha, float a, float b,
    float gamma, float attract_mult, uint64_t key) {
  const float rep_num = 2.0f * gamma * b, att_num = -2.0f * a * b;
  float y0 = y_in[0], y1 = y_in[1];
  float ex[8], ey[8];
  int t;
  for (t = s->p[i]; t < s->p[i + 1]; t++) {
    const float *yj;
    float d0, d1, d2, g0 = 0.0f, g1 = 0.0f;
    int n_neg, q, cnt = 0;
    uint64_t bits = 0;
    if (s->next[t] > (float)epoch) continue;
    yj = others + (size_t)2 * s->j[t];
    d0 = y0 - yj[0];
    d1 = y1 - yj[1];
    d2 = d0 * d0 + d1 * d1;
    if (d2 > 0.0f) {
      const float pbm1 = fast_powf(d2, b - 1.0f);
      const float coef = att_num * pbm1 / (a * pbm1 * d2 + 1.0f);
      g0 = attract_mult * clip4(coef * d0);
      g1 = attract_mult * clip4(coef * d1);
    }
    s->next[t] += s->eps[t];

    n_neg = due_negatives(s, t, epoch);
    for (q = 0; q < n_neg; q++) {
      int kk;
      if ((q & 1) == 0) bits = negative_bits(key, t - s->p[i], q);
      kk = negative_vertex(bits, q, (uint32_t)n_others);
      const float *yk;
      if (kk == self_index) continue;
      yk = others + (size_t)2 * kk;
      ex[cnt] = y0 - yk[0];
      ey[cnt] = y1 - yk[1];
      if (++cnt == 8) {
        UMAPC_L2D_NAME(_repel)(ex, ey, 8, a, b, rep_num, &g0, &g1);
        cnt = 0;
      }
    }
    if (cnt > 0) {
      for (q = cnt; q < 8; q++) ex[q] = ey[q] = 0.0f;
      UMAPC_L2D_NAME(_repel)(ex, ey, cnt, a, b, rep_num, &g0, &g1);
    }
    y0 += g0 * alpha;
    y1 += g1 * alpha;
  }
  y[0] = y0;
  y[1] = y1;
}
