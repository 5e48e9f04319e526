#ifndef MTREC_SPAWN_SUPPORT_H
#define MTREC_SPAWN_SUPPORT_H

#include <spawn.h>

/// Sets the child's working directory (glibc's posix_spawn_file_actions_addchdir_np,
/// which Swift's Glibc module does not expose).
int mtrec_spawn_file_actions_addchdir(posix_spawn_file_actions_t *actions, const char *path);

#endif
