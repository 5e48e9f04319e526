#ifndef MTREC_SPAWN_SUPPORT_H
#define MTREC_SPAWN_SUPPORT_H

#include <spawn.h>
#include <sys/types.h>

/// Sets the child's working directory (glibc's posix_spawn_file_actions_addchdir_np,
/// which Swift's Glibc module does not expose).
int mtrec_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// A pipe whose both ends close on exec (glibc's pipe2 with O_CLOEXEC), so no
/// other child inherits a stage's stdout pipe and keeps it open.
int mtrec_pipe_cloexec(int descriptors[2]);

/// Runs argv as the child of this process and returns the exit status to
/// leave with (or dies of the child's signal). The caller must be a fresh,
/// single-threaded process leading the stage's process group: when
/// `orchestrator` (its parent) dies, the whole group is killed. With
/// `lock_path`, an exclusive flock on it is held for as long as the group lives.
int mtrec_supervise(pid_t orchestrator, const char *lock_path, char *const argv[]);

/// The read end of the pipe that forwarded signals are written to, one byte
/// (the signal's number) each; made once per process. -1 when it cannot be made.
int mtrec_signal_pipe(void);

/// From now on `signal_number` is written to mtrec_signal_pipe() by a handler
/// that any thread may run, instead of taking its default action. A thread
/// that leaves the signal unblocked (OpenBLAS's, NIO's) can no longer lose it,
/// as it could with a libdispatch signal source. Call mtrec_signal_pipe first.
int mtrec_forward_signal(int signal_number);

#endif
