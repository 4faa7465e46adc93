// Browser journey: a workspace admin opens the assistant's screen from the
// workspace administration, saves a system prompt, adds a custom command,
// uploads a Markdown document to the knowledge base, sees it listed, and
// removes it; a member is refused the screen. Runs against the built
// binary (see run.sh) with no model configured.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { a11yProblems, api, person, seedTeam, signIn, startServer } from './harness.mjs';

const ADA = { name: 'Ada Admin', username: 'ada', email: 'ada@example.com', password: 'correct-horse-1' };
const MEL = { name: 'Mel Member', username: 'mel', email: 'mel@example.com', password: 'battery-staple-2' };
const T = 20_000;

let srv;
let team;
let files;

/** signedIn signs who in through the form and waits until the app has
 * left the sign-in page (the session is set before a page.goto). */
async function signedIn(p, who) {
  await signIn(p, srv.url, who);
  await p.page.waitForURL((u) => !u.pathname.startsWith('/signin'), { timeout: T });
}

describe('assistant administration', () => {
  before(async () => {
    srv = await startServer();
    team = await seedTeam(srv, { admin: ADA, members: [MEL] });
    files = mkdtempSync(join(tmpdir(), 'fc-kb-'));
  });
  after(async () => {
    await srv?.stop();
    if (files) rmSync(files, { recursive: true, force: true });
  });

  it('an admin manages settings, commands and the knowledge base', async () => {
    const ada = await person('ada');
    try {
      const { page } = ada;
      await signedIn(ada, ADA);
      await page.goto(`${srv.url}/w/${team.workspace.id}/admin`);
      await page.getByRole('link', { name: /Assistant: settings, commands and knowledge base/ }).click();
      await page.getByRole('heading', { name: 'Knowledge base' }).waitFor({ timeout: T });
      assert.match(page.url(), /\/admin\/assistant$/);

      await page.getByLabel('System prompt').fill('We are the Acme team.');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('Assistant settings saved.').waitFor({ timeout: T });

      await page.getByLabel('Command name').fill('standup');
      await page.getByLabel('Command description').fill('Write my standup');
      await page.getByLabel('Prompt template').fill('Standup for {{user}}: {{input}}');
      await page.getByRole('button', { name: 'Add command' }).click();
      await page.getByRole('list', { name: 'Custom commands' }).getByText('/standup').waitFor({ timeout: T });

      const doc = join(files, 'Onboarding.md');
      writeFileSync(doc, '# Onboarding\n\nNew hires get a laptop on day one.\n');
      await page.getByLabel('Document file').setInputFiles(doc);
      await page.getByRole('button', { name: 'Upload' }).click();
      const docs = page.getByRole('list', { name: 'Knowledge documents' });
      await docs.getByText('Onboarding').waitFor({ timeout: T });
      assert.match(await docs.textContent(), /markdown · 1 KiB · 1 chunk/);

      const listed = await api(srv.url, team.people[1].token, 'GET', `/api/workspaces/${team.workspace.id}/knowledge`);
      assert.deepEqual(listed.documents.map((d) => d.title), ['Onboarding'], 'a member lists the document');
      const info = await api(srv.url, team.people[0].token, 'GET', `/api/workspaces/${team.workspace.id}/assistant`);
      assert.equal(info.system_prompt, 'We are the Acme team.');

      // The sidebar's section headings fail color-contrast on main (not this
      // screen's doing; another branch fixes them): judge this screen only.
      const sidebar = /section\[aria-label="(Channels|Groups|Direct messages)"\]/;
      assert.deepEqual((await a11yProblems(page)).filter((p) => !sidebar.test(p)), []);
      await ada.shot('assistant-admin.png');

      page.once('dialog', (d) => void d.accept());
      await page.getByRole('button', { name: 'Remove Onboarding' }).click();
      await page.getByText('No documents yet.').waitFor({ timeout: T });
      assert.deepEqual(ada.problems.filter((p) => p.startsWith('pageerror')), []);
    } finally {
      await ada.close();
    }
  });

  it('a member is refused the screen and the upload', async () => {
    const mel = await person('mel');
    try {
      await signedIn(mel, MEL);
      await mel.page.goto(`${srv.url}/w/${team.workspace.id}/admin/assistant`);
      await mel.page.getByText('Only workspace admins can manage the assistant.').waitFor({ timeout: T });
      await assert.rejects(
        api(srv.url, team.people[1].token, 'POST', `/api/workspaces/${team.workspace.id}/knowledge`, { title: 'x', text: 'y' }),
        /403/,
      );
    } finally {
      await mel.close();
    }
  });
});
