#ifndef MTREC_SPAWN_SUPPORT_H
#define MTREC_SPAWN_SUPPORT_H

#include <spawn.h>

/// Sets the child's working directory (glibc's posix_spawn_file_actions_addchdir_np,
/// which Swift's Glibc module does not expose).
int mtrec_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

/// A pipe whose both ends close on exec (glibc's pipe2 with O_CLOEXEC), so no
/// other child inherits a stage's stdout pipe and keeps it open.
int mtrec_pipe_cloexec(int descriptors[2]);

#endif
