// State: browse groups and keys; view, edit, add and delete values.

import { api, enc } from '../api.js'
import { h, replace, empty, errorBox } from '../dom.js'
import { compact, jsonEditor } from '../json.js'

function preview (value) {
  const text = compact(value)
  return text.length > 90 ? text.slice(0, 89) + '…' : text
}

export default {
  async mount (container, params, query, ctx) {
    const groupsEl = h('nav', { class: 'list groups', 'aria-label': 'State groups' })
    const keysEl = h('nav', { class: 'list keys', 'aria-label': 'Keys' })
    const editorEl = h('div', { class: 'panel state-editor' })
    const refreshButton = h('button', { type: 'button', class: 'small' }, 'Refresh')
    const newButton = h('button', { type: 'button', class: 'small primary' }, 'New value')
    container.append(h('header', { class: 'view-head' }, h('h1', null, 'State'), refreshButton, newButton),
      h('div', { class: 'columns three' }, groupsEl, keysEl, editorEl))
    let group = params[0] || null
    let key = params[1] || null
    let items = []

    async function loadGroups () {
      const groups = await api('/state')
      replace(groupsEl, groups.length
        ? groups.map(g => h('a', { href: `#/state/${enc(g)}`, class: g === group ? 'active' : '', dataset: { group: g } }, g))
        : empty('No state yet.'))
    }
    async function loadKeys () {
      if (!group) { replace(keysEl, empty('Pick a group.')); items = []; return }
      items = await api(`/state/${enc(group)}`)
      replace(keysEl, items.length
        ? items.map(item => h('a', { href: `#/state/${enc(group)}/${enc(item.key)}`, class: item.key === key ? 'active' : '', dataset: { key: item.key } },
          h('span', { class: 'key' }, item.key), h('span', { class: 'muted preview' }, preview(item.value))))
        : empty('This group is empty.'))
    }
    function showEditor (isNew = false) {
      const item = items.find(i => i.key === key)
      if (!isNew && !item) { replace(editorEl, empty(group ? 'Pick a key to view and edit its value.' : '')); return }
      const groupInput = h('input', { type: 'text', name: 'group', value: isNew ? (group || '') : group, 'aria-label': 'group', autocomplete: 'off' })
      const keyInput = h('input', { type: 'text', name: 'key', value: isNew ? '' : key, 'aria-label': 'key', autocomplete: 'off' })
      if (!isNew) { groupInput.readOnly = true; keyInput.readOnly = true }
      const editor = jsonEditor({ value: isNew ? {} : item.value, rows: 18, label: 'value' })
      const message = h('div', { class: 'message', 'aria-live': 'polite' })
      const save = h('button', { type: 'submit', class: 'primary', name: 'save' }, 'Save')
      const remove = isNew ? null : h('button', { type: 'button', class: 'danger', name: 'delete' }, 'Delete')
      let armed = false
      if (remove) {
        remove.addEventListener('click', async () => {
          if (!armed) {
            armed = true
            remove.textContent = 'Click again to delete'
            setTimeout(() => { armed = false; remove.textContent = 'Delete' }, 4000)
            return
          }
          try {
            await api(`/state/${enc(group)}/${enc(key)}`, { method: 'DELETE' })
            key = null
            await loadGroups()
            await loadKeys()
            ctx.navigate('state', ...(items.length ? [group] : []))
            replace(editorEl, h('div', { class: 'ok-box' }, 'Deleted.'))
          } catch (error) {
            replace(message, errorBox(error))
          }
        })
      }
      const form = h('form', { class: 'value-form' },
        h('div', { class: 'row' }, h('label', null, 'Group', groupInput), h('label', null, 'Key', keyInput)),
        editor.element,
        h('div', { class: 'actions' }, save, remove, message))
      form.addEventListener('submit', async event => {
        event.preventDefault()
        const parsed = editor.parse()
        const g = groupInput.value
        const k = keyInput.value
        if (!g || !k) { replace(message, h('span', { class: 'error-text' }, 'Group and key are required.')); return }
        if (!parsed.ok) { replace(message, h('span', { class: 'error-text' }, `Not saved: ${parsed.error}`)); return }
        try {
          await api(`/state/${enc(g)}/${enc(k)}`, { method: 'PUT', body: parsed.value })
          group = g
          key = k
          await loadGroups()
          await loadKeys()
          if (isNew) ctx.navigate('state', g, k)
          replace(message, h('span', { class: 'ok-text' }, 'Saved.'))
        } catch (error) {
          replace(message, errorBox(error))
        }
      })
      replace(editorEl, h('h2', null, isNew ? 'New value' : h('span', null, h('span', { class: 'muted' }, `${group} / `), key)), form)
    }

    refreshButton.addEventListener('click', async () => { await loadGroups(); await loadKeys(); showEditor() })
    newButton.addEventListener('click', () => showEditor(true))
    await loadGroups()
    await loadKeys()
    showEditor()
    return {
      async update (next) {
        const groupChanged = (next[0] || null) !== group
        group = next[0] || null
        key = next[1] || null
        for (const a of groupsEl.querySelectorAll('a')) a.classList.toggle('active', a.dataset.group === group)
        if (groupChanged) await loadKeys()
        for (const a of keysEl.querySelectorAll('a')) a.classList.toggle('active', a.dataset.key === key)
        showEditor()
      }
    }
  }
}
