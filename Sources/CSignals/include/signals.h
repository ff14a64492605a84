#ifndef SANDBOX_SIGNALS_H
#define SANDBOX_SIGNALS_H

/* The interrupt flag: written by the SIGINT/SIGTERM handler, read by any thread. A lock-free C11
   atomic is both async-signal-safe and safe across threads, which a Swift global is not. */

/* Installs the handler for SIGINT and SIGTERM, without SA_RESTART: a blocking read(2) then
   returns EINTR, so a tool waiting on stdin sees the signal. */
void sandbox_interrupt_install(void);

/* The signal received, or 0. */
int sandbox_interrupt_signal(void);

/* Sets the flag (0 clears it). */
void sandbox_interrupt_set(int signal);

/* The bound of a running --filter (libjq cannot be stopped from outside): from start to stop, a
   timer checks every 50 ms and ends the process with exit 5 and its message once `seconds` have
   passed or the resident memory exceeds `max_bytes`; a SIGINT or SIGTERM ends it with 128 + the
   signal. The messages are copied (each up to 511 bytes). */
void sandbox_filter_guard_start(double seconds, long long max_bytes, const char *timeout_message,
                                const char *memory_message);
void sandbox_filter_guard_stop(void);

#endif
