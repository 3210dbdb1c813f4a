/* cli/ask.h: asking the user, fast-vm's way: questions with a default in brackets, y/n confirmations. */
#ifndef FVM_CLI_ASK_H
#define FVM_CLI_ASK_H

#include <stdbool.h>
#include <stdio.h>

/* an answer's check: NULL when fine, else why not ("must be ...") */
typedef const char *(*ask_check_fn)(const char *v);

struct asker {
	bool yes;     /* ask nothing: answers are given, confirmations yes */
	FILE *prompt; /* where questions go */
};

/*
 * Ask one question: the text, the default *value in brackets, Enter
 * takes it; an empty default needs an answer; a bad answer is asked
 * again. With yes the value is checked only: a bad one is a usage error
 * (one line, exit 2). End of input ends the run (exit 1). what names the
 * answer in messages.
 */
void ask_value(const struct asker *k, const char *what, const char *text,
	       char **value, ask_check_fn check);
/* A y/n confirmation (yes: yes). */
__attribute__((format(printf, 2, 3))) bool ask_confirm(const struct asker *k,
						       const char *fmt, ...);

#endif
