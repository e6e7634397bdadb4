/*
 * secret: reading a password or token from a file of its own.
 *
 * The secret is the file's first line (without its line end).  The file
 * must be a regular file that neither group nor others may access: a
 * secret anyone on the box can read is no secret (FreeIPMI's own tools
 * insist on the same).  Callers word their own messages from the result.
 */
#ifndef DROVER_SECRET_H
#define DROVER_SECRET_H

#include <stddef.h>

enum secret_err {
	SECRET_OK,
	SECRET_OPEN, /* cannot open (errno; ELOOP: a symlink, nofollow) */
	SECRET_NOT_REGULAR, /* not a regular file */
	SECRET_MODE,	    /* group or others have access (*mode says) */
	SECRET_READ,	    /* read failed (errno) */
	SECRET_EMPTY,	    /* the first line is empty */
	SECRET_TOO_LONG,    /* the first line is longer than max bytes */
};

/*
 * Reads the secret in path into a new string (free it with
 * secret_free()).  With nofollow a symbolic link is refused.  max: the
 * longest secret accepted, in bytes (at most 4095).  *mode gets the
 * file's permission bits when it could be opened.  Returns SECRET_OK or
 * the reason, with errno for SECRET_OPEN and SECRET_READ.
 */
enum secret_err secret_read(
    const char *path, int nofollow, size_t max, char **out, unsigned *mode);
/* Wipes and frees a secret (NULL is fine). */
void secret_free(char *s);

#endif
