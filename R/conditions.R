# Errors from the C code as classed conditions, so that callers can catch
# them by class (tryCatch(umapc_error_nomem = ...)). The glue (src/r_util.c)
# calls abort_condition() with a core status turned into a class:
#
#   umapc_error_nomem      the C code ran out of memory;
#   umapc_error_numeric    a non-finite intermediate result;
#   umapc_error_internal   R and C broke their contract (a bug in umapc):
#                          the condition carries the C `file` and `line`,
#                          and the message asks to report it;
#   umapc_error_interrupt  an interrupt that could not be re-raised as R's
#                          own (Windows): an "interrupt" condition is
#                          signalled first, for handlers of interrupts;
#
# each also of class "umapc_error", "error" and "condition", with `routine`
# (the stage or .Call routine) as a field.
abort_condition <- function(class, message, routine, file, line) {
  call <- sys.call(-1L)
  file <- paste0("src/", file) # __FILE__ is relative to src/
  if (identical(class, "umapc_error_interrupt")) {
    # what a genuine interrupt would have given a handler; a handler that
    # does not leave (withCallingHandlers) lets the error below follow
    signalCondition(structure(
      class = c("umapc_interrupt", "interrupt", "condition"),
      list(message = message, call = call)))
  }
  if (identical(class, "umapc_error_internal")) {
    message <- sprintf(
      "internal error in %s: %s [%s:%d].\nThis is a bug in umapc: please report it, with code that reproduces it, to %s.",
      routine, message, file, line, bug_reports())
  }
  stop(structure(
    class = c(class, "umapc_error", "error", "condition"),
    list(message = message, call = call, routine = routine, file = file,
         line = line)))
}

# Where to report bugs: the BugReports field, else the maintainer.
bug_reports <- function() {
  url <- tryCatch(utils::packageDescription("umapc", fields = "BugReports"),
                  error = function(e) NA)
  if (is.character(url) && !is.na(url) && nzchar(url)) return(url)
  m <- tryCatch(utils::maintainer("umapc"), error = function(e) NA)
  if (is.character(m) && !is.na(m)) m else "the package maintainer"
}

# The condition each class comes from, signalled through the same C path
# (for the tests; see umapc_call_test_error in src/r_util.c).
signal_test_error <- function(kind) {
  invisible(.Call(C_umapc_call_test_error, list(kind = kind)))
}
