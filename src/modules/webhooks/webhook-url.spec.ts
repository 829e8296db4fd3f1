import { webhookUrlProblem } from './webhook-url.js';

describe('webhookUrlProblem', () => {
  it('accepts public https and http URLs', () => {
    for (const url of [
      'https://hooks.example.com/x?y=1',
      'http://93.184.215.14:8080/',
      'https://[2606:4700::1111]/',
    ]) {
      expect([url, webhookUrlProblem(url, false)]).toEqual([url, undefined]);
    }
  });

  it('refuses loopback, private, link-local, unspecified and IPv4-mapped inside addresses', () => {
    for (const url of [
      'http://127.0.0.1/',
      'http://localhost/',
      'http://api.localhost/',
      'http://10.0.0.1/',
      'http://172.16.5.4/',
      'http://192.168.1.1/',
      'http://169.254.169.254/',
      'http://100.64.0.1/',
      'http://0.0.0.0/',
      'http://[::1]/',
      'http://[fe80::1]/',
      'http://[fc00::1]/',
      'http://[::ffff:127.0.0.1]/',
    ]) {
      expect([url, webhookUrlProblem(url, false)]).toEqual([
        url,
        expect.stringMatching(/not allowed/),
      ]);
    }
  });

  it('allows them only with the development setting, never credentials or other schemes', () => {
    expect(webhookUrlProblem('http://127.0.0.1:9000/x', true)).toBeUndefined();
    expect(webhookUrlProblem('https://a:b@example.com/', true)).toMatch(/credentials/);
    expect(webhookUrlProblem('file:///etc/passwd', true)).toMatch(/https:\/\//);
    expect(webhookUrlProblem('no url', true)).toBe('is not a valid URL');
  });
});
