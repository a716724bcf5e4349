/* fuzz_qdisc.c - the qdisc dump's records (RTM_NEWQDISC) as qdiscs() reads them: qdisc_decode
 * (kind, handles, statistics, netem's and tbf's options), then the binding's push_qdisc, which
 * undoes tc's units with either scheduler clock a kernel reports; then what it shows is given back
 * to qdisc_replace (check_qdisc, qdisc_put) as a script re-applying a lab's settings would, and the
 * request built is read back the same way. The input is a buffer of messages framed as libmnl
 * frames them; each goes to the decoder as it is and again with its type set to RTM_NEWQDISC.
 * What must hold: a decoded record's kind is terminated and its options are its kind's; the table
 * has only finite numbers; a re-applied record is taken or refused as the binding refuses (EINVAL),
 * never a crash; a request built reads back with what it was given. */
#include "fuzz_qdisc.h"

static lua_State *L;

static void reapply(const struct psched *p)
{
	struct qdisc_req r;
	struct qdisc_info back;
	int top = lua_gettop(L);

	/* the table on top: its kind and options, to qdisc_replace */
	lua_getfield(L, -1, "kind");
	lua_getfield(L, -2, "options");
	lua_pushnil(L);	/* where: the root, the kernel's handle */
	if (fuzz_check_qdisc(L, &r))
		fuzz_put(L, &r, p, &back);
	lua_settop(L, top);
}

static void decoded(const struct nlmsghdr *nlh)
{
	struct qdisc_info q;
	size_t i;

	if (qdisc_decode(nlh, &q) < 0)
		return;
	fuzz_check_info(&q);
	for (i = 0; i < sizeof(fuzz_psched) / sizeof(fuzz_psched[0]); i++) {
		fuzz_push_qdisc(L, &q, &fuzz_psched[i]);
		if (q.has_netem || q.has_tbf)
			reapply(&fuzz_psched[i]);
		lua_settop(L, 0);
	}
}

static void one(struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	decoded(nlh);
	nlh->nlmsg_type = RTM_NEWQDISC;
	decoded(nlh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a state of its own for each input (fuzz_units.c says why) */
	if (!(L = luaL_newstate()))
		abort();
	open_errors(L);
	fuzz_each_msg(data, size, one, NULL);
	lua_close(L);
	return 0;
}
