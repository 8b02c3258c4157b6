/* Registration of the .Call routines: the table is built from the list in
 * umapc.h, which also declares every entry point's prototype. */
#define R_NO_REMAP
#include <R.h>
#include <R_ext/Rdynload.h>
#include <Rinternals.h>

#include "umapc.h"

/* the cast through void (*)(void) is the portable generic function type */
#define UMAPC_CALLDEF(name, n) \
  {"C_umapc_call_" #name, (DL_FUNC)(void (*)(void))&umapc_call_##name, n},

static const R_CallMethodDef call_methods[] = {
    UMAPC_CALLS(UMAPC_CALLDEF) {NULL, NULL, 0}};

void R_init_umapc(DllInfo *dll) {
  R_registerRoutines(dll, NULL, call_methods, NULL, NULL);
  R_useDynamicSymbols(dll, FALSE);
  R_forceSymbols(dll, TRUE);
}
