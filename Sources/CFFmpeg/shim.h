#ifndef TSVAULT_CFFMPEG_SHIM_H
#define TSVAULT_CFFMPEG_SHIM_H

#include <stdint.h>

#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libavutil/avutil.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
#include <libavutil/imgutils.h>
#include <libavutil/md5.h>
#include <libavutil/channel_layout.h>

// Macros Swift cannot import, as functions.
static inline int tsv_averror_eof(void) { return AVERROR_EOF; }
static inline int tsv_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int64_t tsv_nopts_value(void) { return AV_NOPTS_VALUE; }
static inline int tsv_pkt_flag_key(void) { return AV_PKT_FLAG_KEY; }

static inline int tsv_codec_flag_global_header(void) { return AV_CODEC_FLAG_GLOBAL_HEADER; }
static inline int tsv_codec_flag_bitexact(void) { return AV_CODEC_FLAG_BITEXACT; }
static inline int tsv_fmt_flag_bitexact(void) { return AVFMT_FLAG_BITEXACT; }
static inline int tsv_fmt_globalheader(void) { return AVFMT_GLOBALHEADER; }
static inline int tsv_fmt_nofile(void) { return AVFMT_NOFILE; }
static inline int tsv_avio_flag_write(void) { return AVIO_FLAG_WRITE; }
static inline int tsv_fmt_flag_custom_io(void) { return AVFMT_FLAG_CUSTOM_IO; }
static inline int tsv_avseek_size(void) { return AVSEEK_SIZE; }
static inline int tsv_avseek_force(void) { return AVSEEK_FORCE; }

// Starts writeback of a file range without waiting (Linux); 0 or -1 with errno. Declared
// here rather than through _GNU_SOURCE, which would change libc's struct definitions for this
// module only and clash with the other modules on a clean build.
extern int sync_file_range(int fd, int64_t offset, int64_t nbytes, unsigned int flags);
static inline int tsv_start_writeback(int fd, int64_t offset, int64_t length) {
    return sync_file_range(fd, offset, length, 2 /* SYNC_FILE_RANGE_WRITE */);
}

// O_DIRECT, which libc's <fcntl.h> defines only under _GNU_SOURCE (see above); the values
// are the kernel's for each architecture (include/uapi/asm-generic/fcntl.h and the overrides).
static inline int tsv_o_direct(void) {
#if defined(__aarch64__) || defined(__arm__)
    return 0200000;
#elif defined(__powerpc__) || defined(__powerpc64__)
    return 0400000;
#else
    return 040000;
#endif
}

static inline void tsv_error_string(int code, char *buf, size_t size) {
    av_strerror(code, buf, size);
}

// FFmpeg's log, formatted line by line and handed to a sink (Swift) instead of stderr: a
// variadic va_list callback Swift cannot implement itself.
static void (*tsv_log_sink)(int level, const char *line) = 0;

static void tsv_log_callback(void *context, int level, const char *format, va_list arguments) {
    if (level > av_log_get_level() || tsv_log_sink == 0) return;
    char line[1024];
    int printPrefix = 1;
    av_log_format_line2(context, level, format, arguments, line, sizeof line, &printPrefix);
    tsv_log_sink(level, line);
}

static inline void tsv_route_log(void (*sink)(int level, const char *line)) {
    tsv_log_sink = sink;
    av_log_set_callback(tsv_log_callback);
}

#endif
