#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "spawn_support.h"

// The supervisor is the first process of a stage's process group. It runs
// single-threaded C only, so nothing here may depend on the Swift runtime.

extern char **environ;

static volatile sig_atomic_t orchestrator_gone = 0;

static void note_orchestrator_gone(int signal_number) {
    (void)signal_number;
    orchestrator_gone = 1;
}

// SIGINT, SIGTERM and SIGHUP sent to the group reach the stage itself; the
// supervisor only stops waiting for a moment and goes on waiting.
static void ignore_for_now(int signal_number) { (void)signal_number; }

static void install(int signal_number, void (*handler)(int)) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    sigaction(signal_number, &action, NULL);
}

static void say_failed(const char *what, const char *path) {
    dprintf(2, "mtrec: cannot %s '%s': %s\n", what, path, strerror(errno));
}

int mtrec_supervise(pid_t orchestrator, const char *lock_path, char *const argv[]) {
    install(SIGUSR2, note_orchestrator_gone);
    install(SIGINT, ignore_for_now);
    install(SIGTERM, ignore_for_now);
    install(SIGHUP, ignore_for_now);
    // Told when the orchestrator dies; it may have died before this line.
    prctl(PR_SET_PDEATHSIG, SIGUSR2);
    if (getppid() != orchestrator) return 137;

    // Held until the whole group is gone: no two stage processes share a checkpoint folder.
    if (lock_path != NULL) {
        int descriptor = open(lock_path, O_CREAT | O_RDWR | O_CLOEXEC, 0644);
        if (descriptor < 0) {
            say_failed("open lock file", lock_path);
            return 126;
        }
        while (flock(descriptor, LOCK_EX) != 0) {
            if (errno != EINTR) {
                say_failed("lock", lock_path);
                return 126;
            }
            if (orchestrator_gone) return 137;
        }
    }

    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t defaults, no_mask;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGUSR2);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGHUP);
    sigemptyset(&no_mask);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setsigmask(&attributes, &no_mask);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    pid_t child;
    int failure = posix_spawnp(&child, argv[0], NULL, &attributes, argv, environ);
    posix_spawnattr_destroy(&attributes);
    if (failure != 0) {
        dprintf(2, "mtrec: cannot start '%s': %s\n", argv[0], strerror(failure));
        return 127;
    }

    int status = 0;
    for (;;) {
        if (orchestrator_gone) kill(0, SIGKILL);  // the whole group, this process too
        if (waitpid(child, &status, 0) == child) break;
        if (errno != EINTR) return 127;
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    // Die of the same signal, so the orchestrator sees what the stage saw.
    int signal_number = WTERMSIG(status);
    install(signal_number, SIG_DFL);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, signal_number);
    sigprocmask(SIG_UNBLOCK, &only, NULL);
    kill(getpid(), signal_number);
    return 128 + signal_number;
}
