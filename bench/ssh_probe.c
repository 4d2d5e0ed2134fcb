/* The bench's SSH readiness watch: the same libssh handshake dev8-init's
 * readiness probe makes (key exchange with the server's host key, then
 * disconnect), tried every 5 ms until one completes. Compiled on the fly by
 * bench/service_ready.py and bench/whole_start.py.
 *
 *   ssh_probe PORT TIMEOUT_MS
 *
 * Exits 0 once a handshake with 127.0.0.1:PORT completed, 1 at the timeout.
 */
#include <libssh/libssh.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int handshake(unsigned int port) {
    ssh_session session = ssh_new();
    if (!session) return 0;
    long timeout_usec = 1000000;
    int no = 0;
    ssh_options_set(session, SSH_OPTIONS_PROCESS_CONFIG, &no);
    ssh_options_set(session, SSH_OPTIONS_HOST, "127.0.0.1");
    ssh_options_set(session, SSH_OPTIONS_PORT, &port);
    ssh_options_set(session, SSH_OPTIONS_USER, "bench-probe");
    ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
    ssh_options_set(session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
    ssh_options_set(session, SSH_OPTIONS_TIMEOUT_USEC, &timeout_usec);
    int ok = ssh_connect(session) == SSH_OK;
    if (ok) ssh_disconnect(session);
    ssh_free(session);
    return ok;
}

int main(int argc, char** argv) {
    if (argc != 3) return 2;
    unsigned int port = (unsigned int)atoi(argv[1]);
    double deadline = now_ms() + atof(argv[2]);
    struct timespec pause = {0, 5 * 1000 * 1000};
    while (now_ms() < deadline) {
        if (handshake(port)) return 0;
        nanosleep(&pause, NULL);
    }
    return 1;
}
