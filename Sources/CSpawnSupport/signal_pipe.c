#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include "spawn_support.h"

static int write_end = -1;

/* Runs on whichever thread the kernel picked: only write(2), which is async-signal-safe. */
static void forward(int signal_number) {
    int saved = errno;
    unsigned char byte = (unsigned char)signal_number;
    ssize_t ignored = write(write_end, &byte, 1);
    (void)ignored;
    errno = saved;
}

int mtrec_signal_pipe(void) {
    static int read_end = -1;
    if (read_end < 0) {
        int descriptors[2];
        if (pipe2(descriptors, O_CLOEXEC) != 0) return -1;
        fcntl(descriptors[1], F_SETFL, O_NONBLOCK);
        write_end = descriptors[1];
        read_end = descriptors[0];
    }
    return read_end;
}

int mtrec_forward_signal(int signal_number) {
    if (write_end < 0) return -1;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = forward;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    return sigaction(signal_number, &action, NULL);
}
