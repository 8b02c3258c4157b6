#!/usr/bin/python3
"""umap-learn 0.5.7's densMAP on a k-NN graph and initial layout given by R
(bench/densmap.R), with output_dens=True, and the same with densmap=False.

Usage:
    PYTHONPATH=/work/ext/umap-learn /usr/bin/python3 bench/densmap_umap_learn.py \
        IN_DIR OUT_DIR SEED

IN_DIR holds files written by R (raw little-endian, column-major):
    params.csv  "name,value" rows n, k, n_neighbors
    knn_idx     n x k int32, 0-based, column 1 of row i is i
    knn_dist    n x k float64
    init        n x 2 float64
Writes to OUT_DIR, for tag in (densmap, plain): {tag}_embedding (n x 2
float64), {tag}_rad_orig and {tag}_rad_emb (n float64), and prints
"{tag}_seconds=..." (UMAP.fit(): fuzzy graph, radii, layout, the embedding's
radii) after a warm-up of numba's compilation on a small problem.
"""
import os
import sys
import time
import warnings

import numpy as np

# the readers of R's files, shared with bench/umap_learn.py
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from umap_learn import read_matrix, read_params  # noqa: E402


def fit(umap, n, idx, dist, init, seed, n_neighbors, densmap):
    model = umap.UMAP(
        n_neighbors=n_neighbors,
        n_components=2,
        metric="euclidean",
        init=init,
        random_state=seed,
        n_jobs=1,
        densmap=densmap,
        output_dens=True,
        precomputed_knn=(idx, dist, None),
        verbose=False,
    )
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        emb = model.fit_transform(np.zeros((n, 1)))
    seconds = time.perf_counter() - t0
    embedding, rad_orig, rad_emb = emb
    return embedding, rad_orig, rad_emb, seconds


def main(argv):
    if len(argv) != 4:
        sys.exit(__doc__)
    in_dir, out_dir, seed = argv[1], argv[2], int(argv[3])
    p = read_params(in_dir + "/params.csv")
    n, k = int(p["n"]), int(p["k"])
    n_neighbors = int(p["n_neighbors"])
    idx = read_matrix(in_dir + "/knn_idx", "i4", n, k)[:, :n_neighbors]
    dist = read_matrix(in_dir + "/knn_dist", "f8", n, k)[:, :n_neighbors]
    idx = np.ascontiguousarray(idx, dtype=np.int64)
    dist = np.ascontiguousarray(dist)
    init = read_matrix(in_dir + "/init", "f8", n, 2)

    import umap

    # numba compiles on first use: a small problem first
    rs = np.random.RandomState(0)
    wn = 300
    wX = rs.normal(size=(wn, 3))
    d2 = ((wX[:, None, :] - wX[None, :, :]) ** 2).sum(-1)
    widx = np.argsort(d2, axis=1, kind="stable")[:, :n_neighbors]
    widx[:, 0] = np.arange(wn)
    wdist = np.sqrt(np.take_along_axis(d2, widx, axis=1))
    wdist[:, 0] = 0.0
    widx = np.ascontiguousarray(widx, dtype=np.int64)
    for dm in (True, False):
        fit(umap, wn, widx, np.ascontiguousarray(wdist), rs.uniform(size=(wn, 2)),
            seed, n_neighbors, dm)

    for tag, dm in (("densmap", True), ("plain", False)):
        emb, ro, re, sec = fit(umap, n, idx, dist, init, seed, n_neighbors, dm)
        np.asarray(emb, dtype="<f8").reshape(-1, order="F").tofile(
            out_dir + "/" + tag + "_embedding")
        np.asarray(ro, dtype="<f8").tofile(out_dir + "/" + tag + "_rad_orig")
        np.asarray(re, dtype="<f8").tofile(out_dir + "/" + tag + "_rad_emb")
        print("%s_seconds=%.4f" % (tag, sec))
    print("umap_learn_version=%s" % getattr(umap, "__version__", "?"))


if __name__ == "__main__":
    main(sys.argv)
