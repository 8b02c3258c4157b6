# predict(): fit on the 60,000 Fashion-MNIST training rows, predict the 10,000
# test rows; 15-NN label accuracy of each predicted point against the
# labelled training embedding, umapc predict() vs uwot::umap_transform(),
# same parameters (n_neighbors = 15, min_dist = 0.1, 2 threads).
# Run from the repository root: Rscript bench/predict.R
source("bench/common.R")
setup <- "fm <- load_fmnist(); tr <- 1:60000; te <- 60001:70000"
steps <- list(
  run_step("umapc fit + predict", "
    t_fit <- system.time(fit <- umap(fm$X[tr, ], n_neighbors = 15, min_dist = 0.1, seed = 1, n_threads = 2))[['elapsed']]
    t <- system.time(new <- predict(fit, fm$X[te, ], n_threads = 2))[['elapsed']]
    result <- list(seconds = t, fit_seconds = t_fit, peak_mb = peak_mb(),
                   accuracy = transfer_accuracy(fit$embedding, fm$labels[tr], new, fm$labels[te]))", setup),
  run_step("uwot fit + umap_transform", "
    t_fit <- system.time(fit <- uwot::umap(fm$X[tr, ], n_neighbors = 15, min_dist = 0.1, n_threads = 2, ret_model = TRUE))[['elapsed']]
    t <- system.time(new <- uwot::umap_transform(fm$X[te, ], fit, n_threads = 2))[['elapsed']]
    result <- list(seconds = t, fit_seconds = t_fit, peak_mb = peak_mb(),
                   accuracy = transfer_accuracy(fit$embedding, fm$labels[tr], new, fm$labels[te]))", setup)
)
tab <- do.call(rbind, lapply(steps, function(s) data.frame(
  step = s$step, fit_seconds = round(s$fit_seconds, 2), predict_seconds = round(s$seconds, 2),
  accuracy = round(s$accuracy, 4), peak_mb = round(s$peak_mb), after_data_mb = round(s$base_mb))))
print(machine_info())
print(tab, row.names = FALSE)
write.csv(tab, file.path(bench_out, "predict.csv"), row.names = FALSE)
