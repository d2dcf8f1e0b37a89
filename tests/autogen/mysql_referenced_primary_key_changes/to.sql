CREATE TABLE parent (id INT NOT NULL, code VARCHAR(10) NOT NULL, PRIMARY KEY (code), UNIQUE KEY parent_id_key (id));
CREATE TABLE child (id INT PRIMARY KEY, parent_id INT, CONSTRAINT child_parent FOREIGN KEY (parent_id) REFERENCES parent (id));
