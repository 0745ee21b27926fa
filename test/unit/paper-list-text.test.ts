import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPastedPapers } from '../../src/core/paper-list-text.ts';

describe('readPastedPapers ("my papers")', () => {
  it('reads a list of ids in their usual spellings, once each, and names the words that are no ids', () => {
    const r = readPastedPapers('2401.01234v2, arXiv:2402.00001\nhttps://arxiv.org/abs/hep-th/9901001 https://arxiv.org/pdf/2401.01234 nonsense 2401.01234');
    assert.deepEqual(r, { ids: ['2401.01234', '2402.00001', 'hep-th/9901001'], entriesWithoutId: [], notIds: ['nonsense'], format: 'list' });
  });

  it('finds the arXiv id of BibTeX entries in eprint, journal, url and DOI fields, and names the entries without one', () => {
    const bib = `
@comment{exported by a reference manager}
@misc{lovelace2024sparse,
  title = {Sparse {Attention} for Everyone},
  author = {Ada Lovelace and Kurt Gödel},
  year = {2024},
  eprint = {2401.01234},
  archivePrefix = {arXiv},
  primaryClass = {cs.LG}
}
@article{godel2023,
  title = "On formally undecidable retrieval",
  journal = {arXiv preprint arXiv:2312.05678},
}
@inproceedings{noether2022,
  title = {A published paper},
  booktitle = {Proceedings},
  doi = {10.1145/1234567.890},
}
@online{turing2021, url = {https://arxiv.org/abs/2105.00001v3}}
@article{hopper2020, doi = {10.48550/arXiv.2006.00002}}`;
    assert.deepEqual(readPastedPapers(bib), {
      ids: ['2401.01234', '2312.05678', '2105.00001', '2006.00002'], entriesWithoutId: ['noether2022'], notIds: [], format: 'bibtex',
    });
  });

  it('takes an arXiv id only from the fields that locate the entry, never from a citation in its abstract or note', () => {
    const bib = `@article{cites, title = {Building on arXiv:2301.00001}, abstract = {We extend arXiv:2302.00002 {and} https://arxiv.org/abs/2303.00003.},
  note = {See also arXiv:2304.00004}, doi = {10.1000/xyz}}
@misc{own, abstract = "Compared with arXiv:2305.00005", howpublished = {\\url{https://arxiv.org/abs/2306.00006}}, note = {arXiv:2307.00007}}
@misc{bare, eprint = 2308.00008, title = {x}}`;
    assert.deepEqual(readPastedPapers(bib), { ids: ['2306.00006', '2308.00008'], entriesWithoutId: ['cites'], notIds: [], format: 'bibtex' });
  });

  it('reads an empty text as nothing', () => {
    assert.deepEqual(readPastedPapers('  \n'), { ids: [], entriesWithoutId: [], notIds: [], format: 'list' });
  });
});
