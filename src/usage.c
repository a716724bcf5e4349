/* usage.c - what netlab --help says: the options and the subcommands. */
#include <stdio.h>

#include "netlab.h"

void netlab_usage(FILE *f)
{
	fputs("usage: " PROGNAME " [options] script.lua [args]\n"
	      "       " PROGNAME " up|ls|down|exec|shell|run|graph|clean ... (each with --help)\n"
	      "Run a Lua 5.4 topology script with the netns module and the netlab library\n"
	      "preloaded and a ready-made lab in 'lab'; everything the lab made is torn down\n"
	      "when the script ends, fails or is interrupted.\n"
	      "Options:\n"
	      "  --host         build in the real host's network namespace instead of a private\n"
	      "                 one (namespaces visible to 'ip netns list'; a journal under\n"
	      "                 /run/netlab lets 'netlab clean' undo a crashed run)\n"
	      "  --name NAME    the lab's name (default: the script's name)\n"
	      "  --trace        print every kernel operation as the equivalent ip / nft command\n"
	      "  -i             an interactive prompt after the script, with the lab still up\n"
	      "  --debug        an error's traceback shows netlab's own frames too\n"
	      "  --seed N       the seed of the lab's randomness (netem, the timeline's jitter,\n"
	      "                 math.random): the same N replays a run (printed when used)\n"
	      "  -e stmt        execute the Lua statement stmt (repeatable; the script is then optional)\n"
	      "  -h, --help     show this help and exit\n"
	      "  -v, --version  show version information and exit\n"
	      "  --             stop handling options\n"
	      "  -              read the script from standard input\n"
	      "The script's arguments are in the table 'arg' (arg[0] is the script) and in '...'.\n"
	      "Subcommands, for using a lab as a fixture:\n"
	      "  up script.lua      build a lab and keep it up (prints its description as JSON)\n"
	      "  ls                 list the labs that are up\n"
	      "  down NAME|--all    stop a lab and remove everything it made\n"
	      "  exec NAME NODE -- cmd   run a command inside a node\n"
	      "  shell NAME NODE    an interactive shell inside a node\n"
	      "  run script.lua -- cmd   build, run one command, tear down, exit with its status\n"
	      "  graph NAME|script.lua   the topology as Graphviz DOT (SVG, PNG with -o)\n"
	      "  clean [NAME]       remove what crashed --host labs left, and nothing else\n"
	      "  busted [args]      busted under Lua 5.4 with netlab on its paths, in a private network\n"
	      "Exit status: 0, 1 when the script failed or an expectation did not hold,\n"
	      "2 for bad usage, 128 + N when stopped by signal N.\n",
	      f);
}
