// A setup file: every test file's process trusts the run's CA before any test makes a client.
import { inject } from 'vitest';
import { trustCa } from '../../../local/trust-ca.js';
import './provided.js';

trustCa(inject('testCa').certPem);
