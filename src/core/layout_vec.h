/*
 * The layout's vector kernels (GCC/clang vector extensions), on UMAPC_W
 * lanes. This header is included by layout_kernels.c up to three times:
 * with eight lanes as it is; on x86-64, with eight lanes and UMAPC_VEC_ATTR
 * set to an AVX2 target, and with sixteen lanes and an AVX-512 target, the
 * versions chosen at run time. Define UMAPC_W (8 or 16), the vector types
 * VF, VI, VU (UMAPC_W floats, ints, uint32s) and VU64 (UMAPC_W / 2
 * uint64s), UMAPC_VEC_NAME and UMAPC_VEC_ATTR before including it.
 *
 * With eight lanes only: _collect(): umapc_collect_due() of
 * layout_schedule.c, testing eight edges' schedules at a time; _take():
 * umapc_take_moves() of the same file, testing eight moves at a time.
 *
 * _epoch2d(): the two-dimensional update, UMAPC_W vertices at a time, with
 * the semantics of vertex_epoch() in layout_kernels.c for dim = 2: a vertex
 * walks its due edges in order; for each, the attraction and the edge's
 * negative samples are evaluated at the same position, each term clipped to
 * [-4, 4], added in order (attraction, then negative samples 0, 1, ...) and
 * applied together.
 *
 * Why several vertices: one vertex's updates form a dependency chain (each
 * edge starts from the position the previous one left), so a vertex alone
 * keeps the processor waiting on the latency of the power function and the
 * division. Vertices do not depend on each other within a phase (each moves
 * only itself and reads the others' positions from the phase's start), so
 * lane l of every vector carries its own vertex through the same arithmetic.
 * A lane whose vertex has no due edge left takes the chunk's next vertex.
 * Lanes never mix, so a vertex's result does not depend on which lane or
 * which thread computed it.
 */

/* the small helpers below are always inlined: called out of line, their
 * vector arguments and results go through memory */
#ifndef UMAPC_VEC_INLINE
#define UMAPC_VEC_INLINE static inline __attribute__((always_inline))
#endif

/* lanes of a where m is set, else of b */
#ifndef UMAPC_VEC_SEL
#define UMAPC_VEC_SEL(m, a, b) ((VF)((((VI)(a)) & (m)) | (((VI)(b)) & ~(m))))
#endif

/* fast_powf() of layout_kernels.c on UMAPC_W lanes (the same polynomials);
 * lanes outside its range are flagged in *bad for a scalar fix-up. */
UMAPC_VEC_ATTR UMAPC_VEC_INLINE void UMAPC_VEC_NAME(_pow)(const VF *xp, float b,
                                                      VF *out, VI *bad) {
  const VF x = *xp;
  const VI xi = (VI)x;
  VI e = ((xi >> 23) & 0xff) - 127;
  VF m = (VF)((xi & 0x007fffff) | 0x3f800000);
  const VI big = m > 1.41421356f;
  VF lg, p, t, f, r;
  VI i;
  m = UMAPC_VEC_SEL(big, m * 0.5f, m);
  e = e - big;
  m = m - 1.0f;
  lg = __builtin_convertvector(e, VF) + UMAPC_LOG2_POLY(m);
  p = b * lg;
  t = p + 12582912.0f;
  i = (VI)t - 0x4B400000;
  f = p - (t - 12582912.0f);
  r = UMAPC_EXP2_POLY(f);
  /* as fast_powf(): NaN is out of range too */
  *bad = ~((x > 1e-30f) & (x < 1e30f)) | (p < -126.0f) | (p > 126.0f);
  *out = (VF)((VI)r + (i << 23));
}

/* x^b on the lanes in `use` (slow_powf() where the polynomial is out of
 * range, as in fast_powf(); such lanes are rare: tiny or huge distances) */
UMAPC_VEC_ATTR static __attribute__((noinline)) void UMAPC_VEC_NAME(_powfix)(
    const VF *x, float b, const VI *bad, VF *r) {
  int l;
  for (l = 0; l < UMAPC_W; l++)
    if ((*bad)[l]) (*r)[l] = slow_powf((*x)[l], b);
}

UMAPC_VEC_ATTR UMAPC_VEC_INLINE void UMAPC_VEC_NAME(_powm)(const VF *x, float b,
                                                          const VI *use,
                                                          VF *r) {
  VI bad;
  uint64_t w[UMAPC_W / 2], any = 0;
  int l;
  UMAPC_VEC_NAME(_pow)(x, b, r, &bad);
  bad &= *use;
  memcpy(w, &bad, sizeof(w));
  for (l = 0; l < UMAPC_W / 2; l++) any |= w[l];
  if (any != 0) UMAPC_VEC_NAME(_powfix)(x, b, &bad, r);
}

/* umapc_hash32() on each lane, in place */
UMAPC_VEC_ATTR UMAPC_VEC_INLINE void UMAPC_VEC_NAME(_hash)(VU *xp) {
  VU x = *xp;
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  *xp = x;
}

/* (h * n) >> 32 per lane: negative_vertex()'s multiply-shift */
UMAPC_VEC_ATTR UMAPC_VEC_INLINE void UMAPC_VEC_NAME(_below)(const VU *h,
                                                        uint32_t n, VI *k) {
  const VU64 w = (VU64)*h, lo32 = (VU64){0} + 0xffffffffULL;
  const VU64 even = ((w & lo32) * (uint64_t)n) >> 32;
  const VU64 odd = ((w >> 32) * (uint64_t)n) & ~lo32;
  *k = (VI)(even | odd);
}

/* the x and y coordinates of rows idx of a row-major n x 2 matrix: each
 * row's pair in one 64-bit load, then the x's and the y's picked out of
 * two vectors of pairs (rows 0, 1, 4, 5 and 2, 3, 6, 7, then 8, 9, 12, 13
 * and 10, 11, 14, 15 with sixteen lanes, so that one in-lane shuffle each
 * gives them in order) */
UMAPC_VEC_ATTR UMAPC_VEC_INLINE void UMAPC_VEC_NAME(_gather)(const float *xy,
                                                         const VI *ip,
                                                         VF *x, VF *y) {
  const VI idx = *ip;
  uint64_t q[UMAPC_W];
  VU64 a, b;
  VF fa, fb;
  int l;
  for (l = 0; l < UMAPC_W; l++) memcpy(q + l, xy + 2 * (size_t)idx[l], sizeof(q[0]));
#if UMAPC_W == 8
  a = (VU64){q[0], q[1], q[4], q[5]};
  b = (VU64){q[2], q[3], q[6], q[7]};
  fa = (VF)a;
  fb = (VF)b;
  *x = UMAPC_VEC_SHUFFLE(fa, fb, 0, 2, 8, 10, 4, 6, 12, 14);
  *y = UMAPC_VEC_SHUFFLE(fa, fb, 1, 3, 9, 11, 5, 7, 13, 15);
#else
  a = (VU64){q[0], q[1], q[4], q[5], q[8], q[9], q[12], q[13]};
  b = (VU64){q[2], q[3], q[6], q[7], q[10], q[11], q[14], q[15]};
  fa = (VF)a;
  fb = (VF)b;
  *x = UMAPC_VEC_SHUFFLE16(fa, fb, 0, 2, 16, 18, 4, 6, 20, 22, 8, 10, 24, 26,
                           12, 14, 28, 30);
  *y = UMAPC_VEC_SHUFFLE16(fa, fb, 1, 3, 17, 19, 5, 7, 21, 23, 9, 11, 25, 27,
                           13, 15, 29, 31);
#endif
}

/* clip each lane to [-4, 4], in place */
UMAPC_VEC_ATTR UMAPC_VEC_INLINE void UMAPC_VEC_NAME(_clip)(VF *gp) {
  const VF hi = (VF){0} + 4.0f;
  VF g = *gp;
  g = UMAPC_VEC_SEL(g < hi, g, hi);
  *gp = UMAPC_VEC_SEL(g > -hi, g, -hi);
}

#if UMAPC_W == 8
/*
 * The due ones among n entries of relative weights r at this epoch: their
 * indices (base + their position), in order, to list (n entries; a store
 * never reaches past the entries tested so far); returns how many. pf,
 * pf2: arrays read later at the due entries' positions (or NULL), streamed
 * into the cache along the way. Eight at a time: the test as a vector, its
 * lanes to a bit mask, then each half of the mask packs its positions to
 * the front with one table lookup and one store (whether an entry is due
 * is unpredictable, so there is no branch on it).
 */
UMAPC_VEC_ATTR UMAPC_VEC_INLINE int UMAPC_VEC_NAME(_pack_due)(
    const float *r, int n, int base, int epoch, const int *pf,
    const int *pf2, int *list) {
  const float now = (float)epoch, before = (float)(epoch - 1);
  int t = 0, m = 0;
  if (epoch <= 0) return 0; /* nothing is due at epoch 0 */
  for (; t + 8 <= n; t += 8) {
    v8f rv;
    v8i due;
    v4u8 pos;
    v4i idx;
    int mask, h;
    memcpy(&rv, r + t, sizeof(rv));
    if (pf != NULL) __builtin_prefetch(pf + t);
    if (pf2 != NULL) __builtin_prefetch(pf2 + t);
    /* samples_by(epoch, r) != samples_by(epoch - 1, r) */
    due = __builtin_convertvector(rv * now, v8i) !=
          __builtin_convertvector(rv * before, v8i);
    mask = UMAPC_VEC_MASK(&due);
    for (h = 0; h < 2; h++) {
      const int nib = (mask >> (4 * h)) & 15;
      memcpy(&pos, umapc_nibble_pos[nib], sizeof(pos));
      idx = __builtin_convertvector(pos, v4i) + (base + t + 4 * h);
      memcpy(list + m, &idx, sizeof(idx));
      m += umapc_nibble_count[nib];
    }
  }
  for (; t < n; t++) {
    list[m] = base + t;
    m += due_at(epoch, r[t]);
  }
  return m;
}

/* The due edges of vertices i0 .. i1 - 1 at this epoch: umapc_collect_due(). */
UMAPC_VEC_ATTR static void UMAPC_VEC_NAME(_collect)(
    const schedule *s, int i0, int i1, int epoch, uint64_t key,
    const uint64_t *row_keys, due_list *d) {
  const int t0 = s->p[i0], t1 = s->p[i1];
  /* due edges are sparse: their tails and slots would be cache misses when
   * umapc_due_finish() reads them, so stream them in along the way */
  const int m = UMAPC_VEC_NAME(_pack_due)(s->r + t0, t1 - t0, t0, epoch,
                                          s->j + t0,
                                          s->out != NULL ? s->out + t0 : NULL,
                                          d->t);
  int u = 0;
  umapc_due_finish(s, i0, i1, epoch, key, row_keys, d, m);
  for (; u + 8 <= m; u += 8) { /* the keys' hash, eight at a time */
    v8u h;
    memcpy(&h, d->ekey + u, sizeof(h));
    UMAPC_VEC_NAME(_hash)(&h);
    memcpy(d->ekey + u, &h, sizeof(h));
  }
  for (; u < m; u++) d->ekey[u] = umapc_hash32(d->ekey[u]);
}

/* _pack_due() for umapc_take_moves_by(): the moves of one block */
UMAPC_VEC_ATTR static int UMAPC_VEC_NAME(_pack_moves)(const float *r, int n,
                                                      int base, int epoch,
                                                      int *list) {
  return UMAPC_VEC_NAME(_pack_due)(r, n, base, epoch, NULL, NULL, list);
}

/* umapc_take_moves() of layout_schedule.c, with the due moves of each block
 * of 256 found eight at a time by _pack_due(); they are added in the same
 * order, so the bits are the same. */
UMAPC_VEC_ATTR static void UMAPC_VEC_NAME(_take)(const schedule *s, int k,
                                                 int phase, int epoch, int dim,
                                                 const float *slots,
                                                 const float *nxt, float *cur) {
  umapc_take_moves_by(s, k, phase, epoch, dim, slots, nxt, cur,
                      UMAPC_VEC_NAME(_pack_moves));
}

#endif /* UMAPC_W == 8 */

/*
 * densMAP's layout radii (umapc_dens_radii() in layout_densmap.c): for the
 * m edges from a vertex at (xi, yi) to tails[0 .. m - 1], their squared
 * lengths d2 and output memberships phi = 1 / (1 + a d2^b), as
 * umapc_edge_phi() computes them.
 */
UMAPC_VEC_ATTR static void UMAPC_VEC_NAME(_radii2d)(const int *tails, int m,
                                                   float xi, float yi,
                                                   const float *y, float a,
                                                   float b, float *phi,
                                                   float *d2) {
  int t, l;
  for (t = 0; t < m; t += UMAPC_W) {
    const int cnt = m - t < UMAPC_W ? m - t : UMAPC_W;
    int jj[UMAPC_W], uu[UMAPC_W];
    VI J, use;
    VF XJ, YJ, D0, D1, D2, PW, PHI;
    for (l = 0; l < UMAPC_W; l++) {
      jj[l] = l < cnt ? tails[t + l] : tails[t];
      uu[l] = l < cnt ? -1 : 0;
    }
    memcpy(&J, jj, sizeof(J));
    memcpy(&use, uu, sizeof(use));
    UMAPC_VEC_NAME(_gather)(y, &J, &XJ, &YJ);
    D0 = xi - XJ;
    D1 = yi - YJ;
    D2 = D0 * D0 + D1 * D1;
    UMAPC_VEC_NAME(_powm)(&D2, b, &use, &PW);
    PHI = 1.0f / (1.0f + a * PW);
    for (l = 0; l < cnt; l++) {
      phi[t + l] = PHI[l];
      d2[t + l] = D2[l];
    }
  }
}

/*
 * Vertices i0 .. i1 - 1 for one epoch, from their due edges d (collected by
 * _collect()): reads cur (their positions) and others (everyone's, fixed
 * this phase), writes nxt. fit: negative samples equal to the vertex itself
 * are skipped (others is the fitted embedding). wslots (fits; else NULL):
 * the slot buffer, where the attraction's opposite goes. de (fits in
 * densMAP epochs; else NULL): the densMAP term, added to the attraction as
 * vertex_epoch() adds it.
 */
UMAPC_VEC_ATTR static void UMAPC_VEC_NAME(_epoch2d)(
    const due_list *d, int i0, int i1, int fit, const float *cur, float *nxt,
    const float *others, uint32_t n_others, float alpha, float a, float b,
    float gamma, float *wslots, const dens_epoch *de) {
  const float rep_num = 2.0f * gamma * b, att_num = -2.0f * a * b;
  const float one_minus_b = 1.0f - b;
  const VF zero = {0}, four = zero + 4.0f;
  /* prefetch positions when they outgrow the caches close to the core */
  const int prefetch = n_others >= UMAPC_PREFETCH_MIN;
  /* lane state: vertex (-1: idle), next and end due edge, position */
  int lv[UMAPC_W], lm[UMAPC_W], le[UMAPC_W];
  float y0[UMAPC_W], y1[UMAPC_W];
  int next_v = i0, l;
  for (l = 0; l < UMAPC_W; l++) {
    lv[l] = -1;
    lm[l] = le[l] = 0;
    y0[l] = y1[l] = 0.0f;
  }
  for (;;) {
    int jj[UMAPC_W], nn[UMAPC_W], self[UMAPC_W], tt[UMAPC_W], active = 0, max_neg = 0, q;
    float rr[UMAPC_W];
    uint32_t ek[UMAPC_W];
    VF Y0, Y1, XJ, YJ, D0, D1, D2, P, G0, G1, coef;
    VI J, NN, SELF, ACT, use;
    VU EK;
    /* lanes whose vertex is done write it back and take the next one */
    for (l = 0; l < UMAPC_W; l++) {
      if (lm[l] < le[l]) continue;
      if (lv[l] >= 0) {
        nxt[2 * (size_t)lv[l]] = y0[l];
        nxt[2 * (size_t)lv[l] + 1] = y1[l];
        lv[l] = -1;
      }
      while (next_v < i1) {
        const int v = next_v++, r = v - i0;
        float xy[2];
        xy[0] = cur[2 * (size_t)v];
        xy[1] = cur[2 * (size_t)v + 1];
        if (d->start[r] == d->start[r + 1]) { /* nothing due */
          nxt[2 * (size_t)v] = xy[0];
          nxt[2 * (size_t)v + 1] = xy[1];
          continue;
        }
        lv[l] = v;
        lm[l] = d->start[r];
        le[l] = d->start[r + 1];
        y0[l] = xy[0];
        y1[l] = xy[1];
        break;
      }
    }
    for (l = 0; l < UMAPC_W; l++) {
      if (lv[l] >= 0) {
        const int m = lm[l]++;
        jj[l] = d->j[m];
        nn[l] = d->n_neg[m];
        ek[l] = d->ekey[m];
        tt[l] = wslots != NULL ? d->w[m] : -1;
        self[l] = fit ? lv[l] : -1;
        rr[l] = de != NULL ? de->r[d->t[m]] : 1.0f;
        if (nn[l] > max_neg) max_neg = nn[l];
        active++;
      } else { /* idle lane: harmless inputs, results discarded */
        jj[l] = 0;
        nn[l] = 0;
        ek[l] = 0;
        tt[l] = -1;
        self[l] = -1;
        rr[l] = 1.0f;
      }
    }
    if (active == 0) break;
    if (prefetch) {
      /* the lanes' next edges: start loading their tails' and negative
       * samples' positions now, so that the loads of the next round find
       * them in cache (the same hashes as below; results do not change) */
      int nn2[UMAPC_W], max2 = 0;
      uint32_t ek2[UMAPC_W];
      VU EK2;
      VI NN2;
      for (l = 0; l < UMAPC_W; l++) {
        if (lv[l] >= 0 && lm[l] < le[l]) {
          const int m = lm[l];
          __builtin_prefetch(others + 2 * (size_t)d->j[m]);
          ek2[l] = d->ekey[m];
          nn2[l] = d->n_neg[m];
          if (nn2[l] > max2) max2 = nn2[l];
        } else {
          ek2[l] = 0;
          nn2[l] = 0;
        }
      }
      memcpy(&EK2, ek2, sizeof(EK2));
      memcpy(&NN2, nn2, sizeof(NN2));
      /* a few samples ahead at most: with a large negative_sample_rate the
       * first would be evicted before they are read, and every hash costs */
      if (max2 > UMAPC_PREFETCH_NEG_MAX) max2 = UMAPC_PREFETCH_NEG_MAX;
      for (q = 0; q < max2; q++) {
        VU H = EK2 + (uint32_t)q * UMAPC_NEG_SAMPLE_MULT;
        VI K;
        UMAPC_VEC_NAME(_hash)(&H);
        UMAPC_VEC_NAME(_below)(&H, n_others, &K);
        for (l = 0; l < UMAPC_W; l++)
          if (q < NN2[l]) __builtin_prefetch(others + 2 * (size_t)K[l]);
      }
    }
    memcpy(&Y0, y0, sizeof(Y0));
    memcpy(&Y1, y1, sizeof(Y1));
    memcpy(&J, jj, sizeof(J));
    memcpy(&NN, nn, sizeof(NN));
    memcpy(&SELF, self, sizeof(SELF));
    memcpy(&EK, ek, sizeof(EK));
    {
      VI lv_v;
      memcpy(&lv_v, lv, sizeof(lv_v));
      ACT = lv_v >= 0;
    }

    /* attraction */
    UMAPC_VEC_NAME(_gather)(others, &J, &XJ, &YJ);
    D0 = Y0 - XJ;
    D1 = Y1 - YJ;
    D2 = D0 * D0 + D1 * D1;
    use = ACT & (D2 > 0.0f);
    UMAPC_VEC_NAME(_powm)(&D2, b - 1.0f, &use, &P);
    coef = att_num * P / (a * P * D2 + 1.0f);
    G0 = coef * D0;
    G1 = coef * D1;
    UMAPC_VEC_NAME(_clip)(&G0);
    UMAPC_VEC_NAME(_clip)(&G1);
    G0 = UMAPC_VEC_SEL(use, G0, zero);
    G1 = UMAPC_VEC_SEL(use, G1, zero);
    if (de != NULL) { /* densMAP: vertex_epoch()'s arithmetic, per lane */
      VI IV;
      VF PI0, PI1, PJ0, PJ1, RR, PHI, DPHI, GC, H0, H1;
      int iv[UMAPC_W];
      for (l = 0; l < UMAPC_W; l++) iv[l] = lv[l] >= 0 ? lv[l] : 0;
      memcpy(&IV, iv, sizeof(IV));
      memcpy(&RR, rr, sizeof(RR));
      UMAPC_VEC_NAME(_gather)(de->pv, &IV, &PI0, &PI1);
      UMAPC_VEC_NAME(_gather)(de->pv, &J, &PJ0, &PJ1);
      PHI = 1.0f / (a * P * D2 + 1.0f);
      DPHI = -0.5f * coef;
      GC = de->c / RR * PHI *
           ((one_minus_b + b * PHI) * (PI0 + PJ0) + DPHI * (PI1 + PJ1));
      H0 = 2.0f * GC * D0;
      H1 = 2.0f * GC * D1;
      UMAPC_VEC_NAME(_clip)(&H0);
      UMAPC_VEC_NAME(_clip)(&H1);
      G0 += UMAPC_VEC_SEL(use, H0, zero);
      G1 += UMAPC_VEC_SEL(use, H1, zero);
    }
    if (wslots != NULL) { /* the other end's move, to its slot */
      const VF M0 = -(G0 * alpha), M1 = -(G1 * alpha);
      for (l = 0; l < UMAPC_W; l++)
        if (tt[l] >= 0) {
          wslots[2 * (size_t)tt[l]] = M0[l];
          wslots[2 * (size_t)tt[l] + 1] = M1[l];
        }
    }

    /* negative samples */
    for (q = 0; q < max_neg; q++) {
      VU H = EK + (uint32_t)q * UMAPC_NEG_SAMPLE_MULT;
      VI K, valid, pos;
      VF XK, YK, E0, E1, E2, PW, R0, R1;
      UMAPC_VEC_NAME(_hash)(&H);
      UMAPC_VEC_NAME(_below)(&H, n_others, &K);
      valid = ACT & (q < NN) & (K != SELF);
      UMAPC_VEC_NAME(_gather)(others, &K, &XK, &YK);
      E0 = Y0 - XK;
      E1 = Y1 - YK;
      E2 = E0 * E0 + E1 * E1;
      pos = E2 > 0.0f;
      use = valid & pos;
      UMAPC_VEC_NAME(_powm)(&E2, b, &use, &PW);
      coef = rep_num / ((0.001f + E2) * (a * PW + 1.0f));
      R0 = coef * E0;
      R1 = coef * E1;
      UMAPC_VEC_NAME(_clip)(&R0);
      UMAPC_VEC_NAME(_clip)(&R1);
      R0 = UMAPC_VEC_SEL(pos, R0, four);
      R1 = UMAPC_VEC_SEL(pos, R1, four);
      G0 += UMAPC_VEC_SEL(valid, R0, zero);
      G1 += UMAPC_VEC_SEL(valid, R1, zero);
    }
    Y0 += G0 * alpha;
    Y1 += G1 * alpha;
    memcpy(y0, &Y0, sizeof(Y0));
    memcpy(y1, &Y1, sizeof(Y1));
  }
}
