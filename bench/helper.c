/* Workload processes for bench/bench.py. Compiled on the fly by bench.py.
 *
 *   helper child  MARKDIR [DELAY_MS]
 *       A well-behaved service: writes MARKDIR/ready.<pid>, sleeps until
 *       SIGTERM, then writes MARKDIR/term.<pid> and exits 0 after DELAY_MS
 *       (default 0: at once).
 *   helper main   MARKDIR [DELAY_MS]
 *       A well-behaved main command for tini/dumb-init: starts two `child`
 *       processes, forwards SIGTERM/SIGINT to them, waits for both, exits 0.
 *   helper orphans MODE N MARKDIR GO_FIFO DONE_FIFO
 *       Orphan spawner. Writes MARKDIR/ready.<pid>, waits for a byte on
 *       GO_FIFO, then makes N orphans (processes whose parent died, so that
 *       PID 1 must reap them):
 *         burst:  a middle process forks N grandchildren that block on a pipe;
 *                 the middle exits and is reaped, so the N grandchildren are
 *                 orphans of PID 1; the pipe is closed and all N exit at once.
 *         stream: N times: fork an intermediate that forks a grandchild and
 *                 exits at once; the grandchild exits at once too.
 *       When every grandchild has exited (EOF on a pipe each held), writes one
 *       line "done <made> <failed> <t_release> <t_last_exit>" to DONE_FIFO
 *       (CLOCK_MONOTONIC, ms; t_release: burst release or stream start).
 *       Grandchildren's pids (as seen in the namespace) go to
 *       MARKDIR/orphans.pids. Then sleeps until SIGTERM (exit 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *markdir;
static long stop_delay_ms;

static void touch(const char *kind) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%d", markdir, kind, (int)getpid());
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd >= 0) close(fd);
}

static void on_term_child(int sig) {
    (void)sig;
    touch("term"); /* open/close/nanosleep are async-signal-safe */
    if (stop_delay_ms > 0) {
        struct timespec ts = {stop_delay_ms / 1000, (stop_delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
    }
    _exit(0);
}

static void clean_signals(void) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

__attribute__((noreturn)) static int run_child(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term_child;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    clean_signals();
    touch("ready");
    for (;;) pause();
}

static int run_main(void) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    pid_t kids[2];
    for (int i = 0; i < 2; i++) {
        kids[i] = fork();
        if (kids[i] == 0) return run_child();
        if (kids[i] < 0) { perror("fork"); return 1; }
    }
    int alive = 2;
    while (alive > 0) {
        siginfo_t si;
        int sig = sigwaitinfo(&set, &si);
        if (sig == SIGTERM || sig == SIGINT) {
            for (int i = 0; i < 2; i++)
                if (kids[i] > 0) kill(kids[i], SIGTERM);
        }
        pid_t p;
        while ((p = waitpid(-1, NULL, WNOHANG)) > 0) {
            for (int i = 0; i < 2; i++)
                if (kids[i] == p) { kids[i] = 0; alive--; }
        }
    }
    return 0;
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int run_orphans(const char *mode, int n, const char *go_fifo, const char *done_fifo) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term_child;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    clean_signals();
    int burst = strcmp(mode, "burst") == 0;

    int gofd = open(go_fifo, O_RDONLY | O_CLOEXEC);
    if (gofd < 0) { perror(go_fifo); return 1; }
    touch("ready");
    char c;
    while (read(gofd, &c, 1) < 0 && errno == EINTR) {}
    close(gofd);

    /* hold: burst grandchildren block on it; done: every grandchild holds the
     * write end until it exits; report: pids back to this process */
    int hold[2], done[2], report[2];
    if (pipe2(hold, O_CLOEXEC) || pipe2(done, O_CLOEXEC) || pipe2(report, O_CLOEXEC)) {
        perror("pipe");
        return 1;
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/orphans.pids", markdir);
    FILE *pids = fopen(path, "w");
    if (!pids) { perror(path); return 1; }
    int made = 0, failed = 0;
    double t0;
    if (burst) {
        pid_t middle = fork();
        if (middle < 0) { perror("fork"); return 1; }
        if (middle == 0) {
            close(hold[1]);
            close(done[0]);
            close(report[0]);
            for (int i = 0; i < n; i++) {
                pid_t p = fork();
                if (p == 0) {
                    close(report[1]); /* the spawner reads report[] to EOF */
                    char b;
                    while (read(hold[0], &b, 1) < 0 && errno == EINTR) {}
                    _exit(0);
                }
                if (p < 0) p = 0; /* a failed fork */
                if (write(report[1], &p, sizeof p) < 0) {}
            }
            _exit(0);
        }
        close(hold[0]);
        close(done[1]);
        close(report[1]);
        pid_t p;
        while (read(report[0], &p, sizeof p) == sizeof p) { /* EOF when the middle exits */
            if (p > 0) { made++; fprintf(pids, "%d\n", (int)p); }
            else failed++;
        }
        close(report[0]);
        while (waitpid(middle, NULL, 0) < 0 && errno == EINTR) {}
        /* every grandchild is now an orphan of PID 1, blocked on hold[0] */
        t0 = now_ms();
        close(hold[1]); /* release them all */
    } else {
        close(hold[0]);
        close(hold[1]);
        t0 = now_ms();
        for (int i = 0; i < n; i++) {
            pid_t mid = fork();
            if (mid == 0) {
                pid_t p = fork();
                if (p == 0) _exit(0); /* grandchild: exits at once, an orphan */
                if (write(report[1], &p, sizeof p) < 0) {}
                _exit(0);
            }
            if (mid < 0) { failed++; continue; }
            pid_t p = 0;
            if (read(report[0], &p, sizeof p) == sizeof p && p > 0) {
                made++;
                fprintf(pids, "%d\n", (int)p);
            } else {
                failed++;
            }
            while (waitpid(mid, NULL, 0) < 0 && errno == EINTR) {}
        }
        close(report[0]);
        close(report[1]);
        close(done[1]);
    }
    fclose(pids);
    ssize_t r;
    while ((r = read(done[0], &c, 1)) != 0) { /* EOF: every grandchild has exited */
        if (r < 0 && errno != EINTR) break;
    }
    double t1 = now_ms();
    close(done[0]);
    int dfd = open(done_fifo, O_WRONLY | O_CLOEXEC);
    if (dfd >= 0) {
        char line[128];
        int len = snprintf(line, sizeof line, "done %d %d %.3f %.3f\n", made, failed, t0, t1);
        if (write(dfd, line, len) < 0) {}
        close(dfd);
    }
    for (;;) pause();
}

int main(int argc, char **argv) {
    if (argc >= 3 && strcmp(argv[1], "child") == 0) {
        markdir = argv[2];
        if (argc >= 4) stop_delay_ms = atol(argv[3]);
        return run_child();
    }
    if (argc >= 3 && strcmp(argv[1], "main") == 0) {
        markdir = argv[2];
        if (argc >= 4) stop_delay_ms = atol(argv[3]);
        return run_main();
    }
    if (argc >= 7 && strcmp(argv[1], "orphans") == 0) {
        markdir = argv[4];
        return run_orphans(argv[2], atoi(argv[3]), argv[5], argv[6]);
    }
    fprintf(stderr, "usage: helper child MARKDIR | main MARKDIR | orphans burst|stream N MARKDIR GO DONE\n");
    return 2;
}
