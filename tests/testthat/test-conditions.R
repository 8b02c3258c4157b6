# Errors from the C code are classed conditions (R/conditions.R): each class
# is caught by name, through the same C path as the real errors.

catch <- function(expr) tryCatch(expr, condition = function(e) e)

test_that("running out of memory in C is a umapc_error_nomem", {
  e <- catch(signal_test_error("nomem"))
  expect_s3_class(e, c("umapc_error_nomem", "umapc_error", "error", "condition"),
                  exact = TRUE)
  expect_match(conditionMessage(e), "^test_error failed: out of memory$")
  expect_identical(e$routine, "test_error")
  expect_error(signal_test_error("nomem"), class = "umapc_error_nomem")
})

test_that("a non-finite intermediate result is a umapc_error_numeric", {
  e <- catch(signal_test_error("numeric"))
  expect_s3_class(e, c("umapc_error_numeric", "umapc_error", "error", "condition"),
                  exact = TRUE)
  expect_match(conditionMessage(e), "non-finite value")
})

test_that("invalid input reaching the core is an internal error with its C site", {
  e <- catch(signal_test_error("invalid"))
  expect_s3_class(e, c("umapc_error_internal", "umapc_error", "error", "condition"),
                  exact = TRUE)
  # the site the core recorded, not the glue's
  expect_identical(e$file, "src/core/knn_dist.c")
  expect_true(is.integer(e$line) && e$line > 0L)
  expect_match(conditionMessage(e),
               "internal error in test_error: invalid input reached the core \\[src/core/knn_dist.c:[0-9]+\\]")
  expect_match(conditionMessage(e), "This is a bug in umapc: please report it")
})

test_that("a broken R-to-C contract is an internal error naming the routine", {
  e <- catch(.Call(C_umapc_call_find_ab, list(spread = 1)))
  expect_s3_class(e, "umapc_error_internal")
  expect_identical(e$routine, "find_ab")
  expect_identical(e$file, "src/r_util.c")
  expect_match(conditionMessage(e),
               "^internal error in find_ab: parameter 'min_dist' is missing \\[src/r_util.c:[0-9]+\\]")
  e <- catch(.Call(C_umapc_call_knn_adjacent_dup, 1.5))
  expect_s3_class(e, "umapc_error_internal")
  expect_identical(e$file, "src/r_check.c")
  expect_error(signal_test_error("internal"), class = "umapc_error_internal")
  # the next call does not inherit a site an earlier one recorded
  e <- catch(signal_test_error("invalid"))
  e2 <- catch(.Call(C_umapc_call_find_ab, list(spread = 1, min_dist = 0.1, x = 1)))
  expect_identical(e2$file, "src/r_util.c")
})

test_that("an interrupt that cannot be re-raised is an interrupt, then an error", {
  # the fallback path (the only one on Windows): handlers of interrupts see it
  expect_identical(tryCatch(signal_test_error("interrupt"),
                            interrupt = function(e) class(e)),
                   c("umapc_interrupt", "interrupt", "condition"))
  # with no such handler, it stops as an error of its own class
  e <- tryCatch(signal_test_error("interrupt"), error = function(e) e)
  expect_s3_class(e, c("umapc_error_interrupt", "umapc_error", "error", "condition"),
                  exact = TRUE)
  expect_match(conditionMessage(e), "interrupted by the user")
})

test_that("errors can be caught by the umapc_error parent class", {
  for (kind in c("nomem", "numeric", "invalid", "internal")) {
    expect_error(signal_test_error(kind), class = "umapc_error")
  }
})
