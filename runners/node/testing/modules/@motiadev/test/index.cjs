'use strict'
module.exports = require('../../../tester.cjs')
