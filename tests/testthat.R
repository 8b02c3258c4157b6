library(testthat)
library(umapc)

test_check("umapc")
