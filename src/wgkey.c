/* wgkey.c - wireguard keys with libsodium: random private keys, their public keys, base64. */
#include <errno.h>
#include <string.h>
#include <sodium.h>

#include "wg.h"

static int ready(void)
{
	/* 0 the first time, 1 after; -1 when there is no entropy to be had */
	return sodium_init() < 0 ? -EIO : 0;
}

int wg_key_generate(unsigned char key[WG_KEY])
{
	int ret;

	if ((ret = ready()) < 0)
		return ret;
	randombytes_buf(key, WG_KEY);
	/* Curve25519's clamping: a multiple of the cofactor 8, the top bit clear, bit 254 set */
	key[0] &= 248;
	key[31] = (unsigned char)((key[31] & 127) | 64);
	return 0;
}

int wg_key_public(const unsigned char priv[WG_KEY], unsigned char pub[WG_KEY])
{
	int ret;

	if ((ret = ready()) < 0)
		return ret;
	/* X25519 with the base point; it clamps a copy of the scalar itself */
	return crypto_scalarmult_base(pub, priv) == 0 ? 0 : -EINVAL;
}

void wg_key_to_base64(const unsigned char key[WG_KEY], char out[WG_KEY_B64 + 1])
{
	sodium_bin2base64(out, WG_KEY_B64 + 1, key, WG_KEY, sodium_base64_VARIANT_ORIGINAL);
}

/* base64's own alphabet: libsodium 1.0.18 reads a byte above 0x7f as one of it (fuzz_wg
 * found "\x95\xcd" taken for "//") */
static int b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

int wg_key_from_base64(const char *s, unsigned char key[WG_KEY])
{
	size_t len = 0, i;
	const char *end = NULL;

	if (strlen(s) != WG_KEY_B64 || s[WG_KEY_B64 - 1] != '=')
		return -EINVAL;
	for (i = 0; i < WG_KEY_B64 - 1; i++)
		if (!b64_char(s[i]))
			return -EINVAL;
	/* the whole string, padded, no spare bits: exactly 32 bytes */
	if (sodium_base642bin(key, WG_KEY, s, WG_KEY_B64, NULL, &len, &end,
			      sodium_base64_VARIANT_ORIGINAL) != 0 || len != WG_KEY || end != s + WG_KEY_B64)
		return -EINVAL;
	return 0;
}
