/* cli/ask.c: asking the user, fast-vm's way: questions with a default in brackets, y/n confirmations. */
#include "ask.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/err.h"
#include "../lib/util.h"

static const char *run_check(ask_check_fn check, const char *v)
{
	return v ? check(v) : "must be given";
}

void ask_value(const struct asker *k, const char *what, const char *text,
	       char **value, ask_check_fn check)
{
	char *line = NULL;
	size_t cap = 0;
	const char *why;

	if (k->yes) {
		if (!*value || !**value)
			die(FVM_EXIT_USAGE,
			    "%s: no value (give it as an option)", what);
		if ((why = run_check(check, *value)))
			die(FVM_EXIT_USAGE, "%s %s, not '%s'", what, why,
			    *value);
		return;
	}
	for (;;) {
		ssize_t n;

		fprintf(k->prompt, "[?] %s \n[%s]: ", text,
			*value ? *value : "");
		fflush(k->prompt);
		n = getline(&line, &cap, stdin);
		if (n < 0) {
			fputc('\n', k->prompt);
			free(line);
			die(FVM_EXIT_FAIL,
			    "no answer to '%s' (end of input): nothing was "
			    "changed",
			    what);
		}
		while (n > 0 && isspace((unsigned char)line[n - 1]))
			line[--n] = '\0';
		/* answers from a file or a pipe: the transcript shows them */
		if (!isatty(0))
			fprintf(k->prompt, "%s\n", line);
		if (!*line && (!*value || !**value)) {
			fprintf(k->prompt, "[err] You must provide value\n\n");
			continue;
		}
		if (*line && (why = run_check(check, line))) {
			fprintf(k->prompt, "[err] %s %s\n\n", what, why);
			continue;
		}
		if (!*line && (why = run_check(check, *value))) {
			fprintf(k->prompt, "[err] %s %s\n\n", what, why);
			continue;
		}
		fputc('\n', k->prompt);
		if (*line) {
			free(*value);
			*value = xstrdup(line);
		}
		break;
	}
	free(line);
}

bool ask_confirm(const struct asker *k, const char *fmt, ...)
{
	char *line = NULL;
	size_t cap = 0;
	va_list ap;
	bool yes;

	if (k->yes)
		return true;
	fputs("[?] ", k->prompt);
	va_start(ap, fmt);
	vfprintf(k->prompt, fmt, ap);
	va_end(ap);
	fputs(" (y/n) ", k->prompt);
	fflush(k->prompt);
	if (getline(&line, &cap, stdin) < 0) {
		fputc('\n', k->prompt);
		free(line);
		die(FVM_EXIT_FAIL, "no answer (end of input): nothing was "
				   "changed");
	}
	if (!isatty(0))
		fputs(line, k->prompt);
	yes = line[0] == 'y' || line[0] == 'Y';
	free(line);
	return yes;
}
