/* crashpoint: named places where a test may kill chaser, to prove a crash anywhere loses
 * nothing and repeats nothing.
 *
 * With CHASER_CRASH_AT=N in the environment, the N-th crash point reached in this process
 * kills it with SIGKILL (no cleanup, as a power cut or the OOM killer would). With
 * CHASER_CRASH_LOG=FILE each point reached is appended to FILE, so a test can count the
 * points and aim at each one. With CHASER_CRASH_AT=NAME:N the N-th time the point NAME is
 * reached kills it, and no other point counts. Without either variable a crash point costs
 * one branch.
 *
 * A point on a thread beside the main one (ch_crashpoint_aside) is neither counted nor logged
 * by N: where it falls among the main thread's points changes from run to run. Only NAME:N
 * reaches it.
 */
#pragma once

void ch_crashpoint(const char *name);
void ch_crashpoint_aside(const char *name);
