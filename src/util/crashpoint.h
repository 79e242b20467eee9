/* crashpoint: named places where a test may kill chaser, to prove a crash anywhere loses
 * nothing and repeats nothing.
 *
 * With CHASER_CRASH_AT=N in the environment, the N-th crash point reached in this process
 * kills it with SIGKILL (no cleanup, as a power cut or the OOM killer would). With
 * CHASER_CRASH_LOG=FILE each point reached is appended to FILE, so a test can count the
 * points and aim at each one. Without either variable a crash point costs one branch.
 */
#pragma once

void ch_crashpoint(const char *name);
