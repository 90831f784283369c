#ifndef TSVAULT_CZSTD_SHIM_H
#define TSVAULT_CZSTD_SHIM_H
#include <zstd.h>
#endif
