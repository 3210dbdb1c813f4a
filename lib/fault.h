/* lib/fault.h: kill points for crash tests: fvm dies by SIGKILL where a test asks. */
#ifndef FVM_FAULT_H
#define FVM_FAULT_H

/*
 * Each operation of several external steps (create, delete, import,
 * resize) calls fault_point("OP.after-STEP") after every step that
 * changed something outside the process. Tests use it to check that
 * whatever a crash between two steps leaves behind is found and removed
 * by fvm doctor.
 *
 *   FVM_KILL_AT=NAME      SIGKILL the process the first time it passes NAME
 *   FVM_KILL_AT=NAME:K    ... the K-th time (several VMs, one process)
 *   FVM_KILL_LIST=1       print "fault point: NAME" on stderr at each point
 *
 * Without either variable a point costs one check of a flag (the
 * environment is read once per process).
 */
void fault_point(const char *name);

#endif
