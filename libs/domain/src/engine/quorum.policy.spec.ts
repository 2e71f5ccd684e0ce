import { NodeStatus } from '../enums';
import { quorumReport } from './quorum.policy';

const on = (id: string, o: { suspect?: boolean; maintenance?: boolean } = {}) => ({ id, status: NodeStatus.ONLINE, ...o });

describe('quorumReport', () => {
  it('counts ONLINE nodes against N/2 + 1', () => {
    expect(quorumReport([on('a'), on('b'), { id: 'c', status: NodeStatus.FAILED }])).toEqual({ totalNodes: 3, healthyNodes: 2, quorum: 2, quorate: true });
  });

  it('counts the failed ids as failed, even if they still read ONLINE (the dry run)', () => {
    expect(quorumReport([on('a'), on('b'), on('c'), on('d')], ['a'])).toEqual({ totalNodes: 4, healthyNodes: 3, quorum: 3, quorate: true });
    expect(quorumReport([on('a'), on('b'), on('c'), on('d')], ['a', 'b'])).toEqual({ totalNodes: 4, healthyNodes: 2, quorum: 3, quorate: false });
  });

  it('adds a failed id missing from the nodes to the total', () => {
    expect(quorumReport([on('a'), on('b')], ['gone'])).toEqual({ totalNodes: 3, healthyNodes: 2, quorum: 2, quorate: true });
  });

  it('suspect and maintenance nodes do not count (a partitioned control plane sees every node suspect)', () => {
    expect(quorumReport([on('a'), on('b', { suspect: true }), on('c', { maintenance: true })])).toEqual({ totalNodes: 3, healthyNodes: 1, quorum: 2, quorate: false });
  });

  it('two nodes need both (seed 001); an empty cluster is not quorate', () => {
    expect(quorumReport([on('a'), on('b')], ['b']).quorate).toBe(false);
    expect(quorumReport([])).toEqual({ totalNodes: 0, healthyNodes: 0, quorum: 1, quorate: false });
  });
});
