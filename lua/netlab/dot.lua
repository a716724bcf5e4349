-- netlab.dot: a lab's description as a Graphviz DOT graph (nodes, bridges, links labelled with their ends).
local M = {}

-- a DOT string; a newline in s becomes DOT's line break
local function dot_quote(s)
  return '"' .. tostring(s):gsub('[\\"]', "\\%0"):gsub("\n", "\\n") .. '"'
end

-- the addresses of an interface by node and name
local function iface_index(desc)
  local idx = {}
  local function add(node, ifaces)
    for _, i in ipairs(ifaces or {}) do idx[node .. "/" .. i.name] = i end
  end
  add("host", desc.host and desc.host.interfaces)
  for _, n in ipairs(desc.nodes or {}) do add(n.name, n.interfaces) end
  return idx
end

local label = require("netlab.links").label
local vlan_label = require("netlab.vlans").label

-- render(desc): the DOT text of a lab's description (netlab.describe)
function M.render(desc)
  local idx = iface_index(desc)
  local function end_label(node, dev)
    if dev == "?" then return "" end  -- another site's end, made there
    local i = idx[node .. "/" .. dev]
    local lines = { dev }
    for _, a in ipairs(i and i.addresses or {}) do
      if not a:match("^fe80:") then lines[#lines + 1] = a end
    end
    return table.concat(lines, "\n")
  end
  local out = { ("graph %s {"):format(dot_quote(desc.name)),
    '  graph [overlap=false, fontname="Helvetica"];',
    '  node [shape=box, style=rounded, fontname="Helvetica"];',
    '  edge [fontname="Helvetica", fontsize=9];' }
  local used_host = false
  for _, l in ipairs(desc.links or {}) do
    if l.a.node == "host" or l.b.node == "host" then used_host = true end
  end
  if used_host or #(desc.bridges or {}) > 0 then
    out[#out + 1] = '  "host" [label="host", shape=box3d];'
  end
  for _, n in ipairs(desc.nodes or {}) do
    -- over several machines: the node's site; another site's node dashed
    local text = n.site and desc.sites and ("%s\n(site %s)"):format(n.name, n.site) or n.name
    out[#out + 1] = ("  %s [label=%s%s];"):format(dot_quote(n.name), dot_quote(text), n.netns and "" or ', style="rounded,dashed"')
  end
  for _, b in ipairs(desc.bridges or {}) do
    local label = b.name .. "\n(bridge)"
    for _, a in ipairs(b.addresses or {}) do
      if not a:match("^fe80:") then label = label .. "\n" .. a end
    end
    out[#out + 1] = ("  %s [label=%s, shape=ellipse];"):format(dot_quote("bridge:" .. b.name), dot_quote(label))
    out[#out + 1] = ("  %s -- %s [style=dashed];"):format(dot_quote("host"), dot_quote("bridge:" .. b.name))
  end
  for _, l in ipairs(desc.links or {}) do
    local bnode = l.b.bridge and ("bridge:" .. l.b.bridge) or l.b.node
    local bside = l.b.bridge and "host" or l.b.node
    -- a trunk between two bridges: a's end is a bridge's too
    local anode = l.a.bridge and ("bridge:" .. l.a.bridge) or l.a.node
    local aside = l.a.bridge and "host" or l.a.node
    -- the emulation in the middle: "20ms 1% 100mbit", per direction when they differ
    local extra, texts = "", {}
    local e = l.emulation
    if e then
      local ab, ba = label(e.a_to_b), label(e.b_to_a)
      local parts = {}
      if ab then parts[#parts + 1] = "→ " .. ab end
      if ba then parts[#parts + 1] = "← " .. ba end
      local text = ab == ba and ab or table.concat(parts, "\n")
      texts[#texts + 1] = text
    end
    -- a port of a VLAN-aware bridge: "vlan 10" (access), "10,20" (trunk)
    texts[#texts + 1] = vlan_label(l.vlans)
    -- a blackholed link (link:blackhole): said, and per direction when only one is
    local bh = l.blackholed
    if bh then
      texts[#texts + 1] = (bh.a_to_b and bh.b_to_a) and "blackholed" or bh.a_to_b and "blackholed →" or "blackholed ←"
    end
    if #texts > 0 then extra = extra .. (", label=%s"):format(dot_quote(table.concat(texts, "\n"))) end
    if l.down then extra = extra .. ', style=dotted, color="red"'
    elseif bh then extra = extra .. ', color="red"' end
    -- a link between sites: its VNI
    if l.vni and l.a.site ~= l.b.site then extra = extra .. (", xlabel=%s"):format(dot_quote("vxlan " .. l.vni)) end
    out[#out + 1] = ("  %s -- %s [taillabel=%s, headlabel=%s%s];"):format(dot_quote(anode), dot_quote(bnode),
      dot_quote(end_label(aside, l.a.dev)), dot_quote(end_label(bside, l.b.dev)), extra)
  end
  -- tunnels: dashed, between the nodes, labelled with the kind (and VNI or key)
  for _, t in ipairs(desc.tunnels or {}) do
    local text = t.kind .. (t.id and (" vni " .. t.id) or "") .. (t.key and (" key " .. t.key) or "")
    out[#out + 1] = ("  %s -- %s [style=dashed, label=%s, taillabel=%s, headlabel=%s];"):format(
      dot_quote(t.a.node), dot_quote(t.b.node), dot_quote(text),
      dot_quote(end_label(t.a.node, t.a.dev)), dot_quote(end_label(t.b.node, t.b.dev)))
  end
  out[#out + 1] = "}"
  return table.concat(out, "\n") .. "\n"
end

return M
