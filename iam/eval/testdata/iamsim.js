// Reads one simulation per JSON line on stdin, prints one decision per line:
// {"id": N, "decision": "Allowed"|"ExplicitlyDenied"|"ImplicitlyDenied"} or {"id": N, "error": "..."}.
// Driven by iam/eval's differential test; iam-simulate is resolved through NODE_PATH.
const { runSimulation } = require('@cloud-copilot/iam-simulate');
const readline = require('readline');

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const c = JSON.parse(line);
    const sim = {
      request: {
        principal: c.principal,
        action: c.action,
        resource: { resource: c.resource, accountId: c.account },
        contextVariables: c.context || {},
      },
      identityPolicies: (c.identity || []).map((p, i) => ({ name: 'identity' + i, policy: p })),
      serviceControlPolicies: (c.scp || []).map((p, i) => ({ orgIdentifier: 'ou-' + i, policies: [{ name: 'scp' + i, policy: p }] })),
      resourceControlPolicies: [],
    };
    if (c.boundary) sim.permissionBoundaryPolicies = [{ name: 'boundary', policy: c.boundary }];
    if (c.resourcePolicy) sim.resourcePolicy = c.resourcePolicy;
    if (c.session) sim.sessionPolicy = c.session;
    let out;
    try {
      const r = await runSimulation(sim, {});
      if (r.resultType === 'error') out = { id: c.id, error: JSON.stringify(r.errors) };
      else out = { id: c.id, decision: r.overallResult };
    } catch (e) {
      out = { id: c.id, error: String(e && e.message || e) };
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
