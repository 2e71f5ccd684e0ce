/**
 * haaas_node_agent_token: issues the token a node's agent authenticates with. The token is a
 * sensitive computed value (the API shows it once); it is rotated by replacement: change
 * `rotation_triggers` (or taint it) and a new one is issued, which makes the old one invalid.
 * Its id is the node's id; an imported token has no value (the API never shows it again).
 * Refresh compares the fingerprint in state with the node's current one: a token rotated or
 * revoked behind Terraform's back reads as gone, so the next plan issues a new one. Destroy revokes it.
 */
import { str } from '../framework/fields';
import type { ResourceType } from '../framework/resource';

export const nodeAgentTokenResource: ResourceType = {
  name: 'haaas_node_agent_token',
  fieldNames: { fields: { nodeId: 'node_id' }, notFound: { Node: 'node_id' }, refusal: 'node_id' },
  schema: {
    version: 0,
    description:
      "The node agent's token for a node (`hna_...`), kept in state as a sensitive value. Issuing a new one (replacement) invalidates the previous one; destroying it revokes it. A token rotated or revoked outside Terraform (issueNodeAgentToken, revokeNodeAgentToken) reads as gone: the next apply issues a new one. Imports by node id (without the token's value, which the API shows only once).",
    attributes: {
      id: { type: 'string', computed: true, description: 'The node id.' },
      node_id: { type: 'string', required: true, forceNew: true, description: 'The node whose agent uses it.' },
      rotation_triggers: { type: { map: 'string' }, optional: true, forceNew: true, description: 'Arbitrary values; changing any issues a new token (rotation).' },
      token: { type: 'string', computed: true, sensitive: true, description: "The token: give it to the node's agent (token file, mode 0600)." },
      fingerprint: { type: 'string', computed: true, description: 'A non-secret name of the token (`sha256:` and 12 hex digits), as the cluster log shows it.' },
      issued_at: { type: 'string', computed: true, description: 'When it was issued (RFC 3339).' },
    },
  },
  async create(api, planned) {
    const t = await api.issueAgentToken(str(planned, 'node_id'));
    return { id: t.nodeId, node_id: t.nodeId, rotation_triggers: planned['rotation_triggers'] ?? null, token: t.token, fingerprint: t.fingerprint, issued_at: String(t.issuedAt) };
  },
  async read(api, id, prior) {
    // gone with its node, or when the node's token is no longer the one in state (rotated or
    // revoked elsewhere); otherwise what was issued stands (the API never shows a token again)
    const node = await api.getNode(id);
    const current = node.agentTokenFingerprint ?? null;
    const known = prior?.['fingerprint'] ?? null;
    if (current === null || (known !== null && known !== current)) return null;
    return {
      id: node.id,
      node_id: node.id,
      rotation_triggers: prior?.['rotation_triggers'] ?? null,
      token: prior?.['token'] ?? null,
      fingerprint: current,
      issued_at: prior?.['issued_at'] ?? null,
    };
  },
  update: async (_api, _prior, planned) => planned,
  async delete(api, prior) {
    // only the token this state issued: one rotated elsewhere since belongs to someone else now
    const node = await api.getNode(str(prior, 'node_id'));
    if (node.agentTokenFingerprint && node.agentTokenFingerprint === prior['fingerprint']) await api.revokeAgentToken(node.id);
  },
};
