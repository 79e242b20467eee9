/* web_reports: the console's register, agencies and reports pages.
 *
 * /register is the escalation register (report/register.h, what `chaser report --kind
 * register` counts) as a table, narrowed by a GET form: agency, state, stage reached, and
 * the days raised from and to. /agencies lists the agencies and their SLOs; admin adds one
 * or gives one a new SLO through app/agency.h, the code `chaser agency add` and `agency
 * set` use, problems shown in an error summary and beside each field, nothing saved until
 * all is right. /reports offers the summary and the register for a quarter or a period in
 * every format `chaser report` writes (report/summary.h, report_doc.h, report_xlsx.h,
 * report_page.h: the same code) and a conference's case record (report/record.h), each as
 * a download named only by its period or its reference.
 *
 * Views as web_views.h describes them; web_views.c routes to them (the acting ones admin
 * only) after the session and the form token are checked.
 */
#pragma once
#include "web/web_views.h"

void ch_web_register(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);
void ch_web_agencies(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);
void ch_web_agency_add(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);
void ch_web_agency_slo(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);
void ch_web_reports(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);
void ch_web_report_download(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);
void ch_web_record_download(ChApp *app, const ChWebRequest *req, ChWebResponse *resp);
