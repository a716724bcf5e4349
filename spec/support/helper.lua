-- spec/support/helper.lua - busted's helper (see .busted): runs once, before any spec file.
-- It loads the support modules, so each spec file's `require "support.x"` gets the
-- same copy (busted's file insulation keeps what was loaded before the files), and
-- refuses to run anywhere but in a private network namespace.
require "support.json"
require "support.proc"
require "support.ip"
require "support.nft"
require "support.server"
require "support.topo"
require "support.netlab"
require "support.kernel"
require "support.kinds"
require "support.rootless"

require("support.ip").assert_private()
